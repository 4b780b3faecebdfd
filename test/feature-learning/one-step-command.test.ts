/** The `ntk-lab one-step` command: prints a line per point as it finishes, mean/std rows, writes --out; bad arguments exit 2. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readResults } from '../../src/arrow';
import { main } from '../../src/cli/main';
import { oneStepCommand } from '../../src/cli/one-step-command';

test('ntk-lab one-step prints the table as points finish and writes the sweep to --out', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'one-step-cli-'));
  try {
    const out = path.join(dir, 'sweep.arrow');
    const lines: string[] = [];
    const code = await oneStepCommand(
      ['--n', '128', '--d', '32', '--N', '64', '--activation', 'erf', '--teacher', 'erf', '--etas', '0,2', '--scaling', 'small,large', '--lambda', '1e-3,1e-2', '--seeds', '2', '--out', out],
      (l) => lines.push(l),
    );
    assert.equal(code, 0);
    assert.match(lines[0], /one gradient step \(Ba et al. 2022\), n = 128, d = 32, N = 64, erf student, erf teacher/);
    const table = lines.filter((l) => /^theta-/.test(l));
    assert.equal(table.length, 2 * 2 * 2 * 2 + 2 * 2 * 2 * 2); // seeds x scalings x etas x lambdas, then mean and std per point
    assert.equal(table.filter((l) => /±sd/.test(l)).length, 8);
    assert.match(lines[lines.length - 1], /12 batches, 32 rows in [\d.]+ s; wrote /);
    const { table: t, meta } = await readResults(out, 'one-step-sweep');
    assert.equal(t.numRows, 32);
    assert.equal(meta.status.complete, true);
    assert.deepEqual(meta.params.scalings, ['theta-1', 'theta-sqrt-n']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bad one-step arguments give a one-line error and exit code 2 before any work', async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  try {
    assert.equal(await main(['one-step', '--etas', '1,-2']), 2);
    assert.equal(await main(['one-step', '--lambda=-1e-3']), 2);
    assert.equal(await main(['one-step', '--n', '1']), 2);
    assert.equal(await main(['one-step', '--scaling', 'huge']), 2);
    assert.equal(await main(['one-step', '--etas', 'fast']), 2);
    assert.equal(await main(['one-step', '--out', 'x.csv']), 2);
  } finally {
    console.error = original;
  }
  assert.match(errors[0], /ntk-lab one-step: InvalidOptionError: oneStep: etas\[1\] must be a finite number >= 0/);
  assert.match(errors[1], /lambdas\[0\] must be a finite number > 0/);
  assert.match(errors[2], /n must be an integer >= 2, got 1/);
  assert.match(errors[3], /unknown learning-rate scaling 'huge'/);
  assert.match(errors[4], /--etas: 'fast' is not a number/);
  assert.match(errors[5], /unsupported extension/);
});
