/**
 * `ntk-lab tiles` in process: planning from your own tfjs model.json and inputs Arrow file, a cross kernel
 * (--n2), the one-line errors and exit code 2 of bad arguments, and status --json.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { main } from '../../src/cli/main';
import { tilesCommand } from '../../src/cli/tiles-command';
import { ntk } from '../../src/ntk';
import { writeInputs } from '../../src/tiles/inputs-io';
import { saveModel } from '../../src/tiles/model-io';
import { readKernelBlock } from '../../src/tiles/npy';
import { setupBackend } from '../helpers/setup';
import { gaussianMatrix, relativeError, tempDir } from './helpers';

before(setupBackend);

async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await tilesCommand(args, (l) => lines.push(l));
  return { code, lines };
}

test('plan from a model.json and inputs .arrow (a cross kernel), run every --index, assemble: equals ntk(model, x1, x2)', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-cli-');
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 12, inputShape: [4], activation: 'tanh' }), tfl.layers.dense({ units: 2 })] });
  try {
    await saveModel(model, path.join(dir, 'mine'));
    const x1 = gaussianMatrix(30, 4, 1);
    const x2 = gaussianMatrix(11, 4, 2);
    await writeInputs(path.join(dir, 'x1.arrow'), { shape: [30, 4], data: x1.data }, 'x1');
    await writeInputs(path.join(dir, 'x2.arrow'), { shape: [11, 4], data: x2.data }, 'x2');
    const job = path.join(dir, 'job');
    const p = await cli(['plan', job, '--model', path.join(dir, 'mine', 'model.json'), '--x1', path.join(dir, 'x1.arrow'), '--x2', path.join(dir, 'x2.arrow'), '--tile', '8', '--layout', 'full']);
    assert.equal(p.code, 0);
    assert.match(p.lines[0], /ntk \[60, 22\] \(full, method explicit\), 8 tiles of 8 examples \(4 x 2 blocks\)/);
    for (let k = 0; k < 8; k++) {
      const r = await cli(['run', job, '--index', String(k)]);
      assert.match(r.lines.at(-1)!, new RegExp(`^tile ${k} \\(\\d-\\d\\): computed`));
    }
    const s = await cli(['status', job, '--json']);
    const status = JSON.parse(s.lines.join('\n'));
    assert.deepEqual([status.done, status.missing, status.corrupt, status.pairsTotal], [8, 0, 0, 30 * 11]);
    const a = await cli(['assemble', job, '--out', path.join(dir, 'K.npy')]);
    assert.match(a.lines[0], /wrote .*K\.npy \(npy, \d+ bytes: ntk\) and .*K\.npy\.json/);
    const K = await readKernelBlock(path.join(dir, 'K.npy'), [0, 60], [0, 22]);
    assert.ok(relativeError(K.values, (await ntk(model, x1, x2, { outputs: 'full' })).values) <= 1e-6);
  } finally {
    model.dispose();
    cleanup();
  }
});

test('bad arguments are one-line errors with exit code 2', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-cli-bad-');
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    const job = path.join(dir, 'job');
    assert.equal(await main(['tiles', 'plan', job, '--widths', '8', '--n', '20', '--input-dim', '3', '--tile', '8']), 0);
    assert.equal(await main(['tiles', 'frobnicate']), 2);
    assert.equal(await main(['tiles', 'run', job, '--index', '1', '--workers', '2']), 2);
    assert.equal(await main(['tiles', 'run', job, '--index', 'x']), 2);
    assert.equal(await main(['tiles', 'assemble', job]), 2);
    assert.equal(await main(['tiles', 'assemble', job, '--out', path.join(dir, 'K.npy')]), 2);
    assert.equal(await main(['tiles', 'manifest', job]), 2);
    assert.equal(await main(['tiles', 'status', dir]), 2);
    assert.equal(await main(['tiles', 'plan', path.join(dir, 'other'), '--model', 'm.json']), 2);
    assert.equal(await main(['tiles', 'manifest', job, '--slurm', '--job-path', 'relative/path']), 2);
  } finally {
    console.error = original;
    cleanup();
  }
  assert.deepEqual(errors.map((e) => e.split(': ')[1]), [
    'InvalidOptionError', 'InvalidOptionError', 'InvalidOptionError', 'InvalidOptionError', 'JobIncompleteError', 'InvalidOptionError', 'JobFormatError',
    'InvalidOptionError', 'InvalidOptionError',
  ]);
  assert.match(errors[0], /unknown 'tiles' subcommand 'frobnicate'/);
  assert.match(errors[4], /6 of 6 tiles are not done; missing 6: 0-0, 0-1, 0-2, 1-1, 1-2, \.\.\./);
  assert.match(errors[6], /has no manifest\.json/);
  assert.ok(errors.every((e) => e.startsWith('ntk-lab tiles: ') && !e.includes('\n')));
  assert.ok(!fs.existsSync(path.join(dir, 'K.npy')));
});
