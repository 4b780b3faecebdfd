/** The part-1 command line: prints the layer table and the backend, writes an Arrow file that reads back to the same kernels. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readKernels } from '../../src/arrow';
import { main } from '../../src/cli/main';
import { ntkCommand } from '../../src/cli/ntk-command';
import { mlp } from '../../src/models';
import { ntk } from '../../src/ntk';
import { Rng } from '../../src/random';

test('ntk-lab ntk prints shares that sum to 1 and writes --out file.arrow', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-cli-'));
  try {
    const out = path.join(dir, 'k.arrow');
    const lines: string[] = [];
    const code = await ntkCommand(['--widths', '16,8', '--n', '40', '--input-dim', '5', '--seed', '3', '--out', out], (l) => lines.push(l));
    assert.equal(code, 0);
    assert.match(lines[1], /^backend: tfjs \w+; linalg (openblas|fallback)/);
    const rows = lines.filter((l) => /^layer\d\/(weight|bias)/.test(l));
    assert.equal(rows.length, 6);
    const traceShare = rows.reduce((s, l) => s + Number(l.trim().split(/\s+/)[2]), 0);
    assert.ok(Math.abs(traceShare - 1) < 2e-3, `trace shares sum to ${traceShare}`);
    const kernels = await readKernels(out);
    assert.deepEqual(kernels.map((k) => k.label), ['ntk', 'layer1/weight', 'layer1/bias', 'layer2/weight', 'layer2/bias', 'layer3/weight', 'layer3/bias']);
    // The same network and inputs through the API give the same kernel, bit for bit.
    const net = mlp({ inputDim: 5, widths: [16, 8], seed: 3 });
    try {
      const K = await ntk(net, { rows: 40, cols: 5, data: new Rng(4).normals32(200) });
      assert.deepEqual(kernels[0].values, K.values);
    } finally {
      net.dispose();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad arguments give a one-line error and exit code 2', async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    assert.equal(await main(['ntk', '--n', 'many']), 2);
    assert.equal(await main(['ntk', '--bogus']), 2);
    assert.equal(await main(['frobnicate']), 2);
  } finally {
    console.error = original;
  }
  assert.match(errors[0], /--n must be a positive integer, got 'many'/);
  assert.match(errors[1], /Unknown option '--bogus'/);
});
