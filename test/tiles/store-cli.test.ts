/**
 * `ntk-lab tiles stats|spectrum|solve` on a small job (n = 400 in tiles of 150: 3 x 3 blocks, the last 100 wide) and
 * a cross job K(x*, x) (m = 60): outputs against numpy on the assembled kernels (test/tiles/python/store_cli_reference.py):
 * the statistics, the top-5 eigenvalues (Arrow 'spectrum' file), the SLQ density file, alpha = (K + lambda I)^{-1} y
 * and the predictions K(x*, x) alpha as .npy; bad flags are named errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readResults } from '../../src/arrow';
import { tilesCommand } from '../../src/cli/tiles-command';
import { InvalidOptionError } from '../../src/errors';
import { mlp } from '../../src/models';
import { assembleJob } from '../../src/tiles/assemble';
import { TileJob } from '../../src/tiles/job';
import { readNpyMatrix } from '../../src/tiles/npy-matrix';
import { planTileJob } from '../../src/tiles/plan';
import { runTile } from '../../src/tiles/worker';
import { projectPython } from '../helpers/venv';
import { setupBackend } from '../helpers/setup';
import { gaussianMatrix, relativeError, tempDir } from './helpers';

const RIDGE = 0.05;
let dir = '';
let cleanup = (): void => undefined;
let ref: { top: number[]; trace: number; frobenius: number; effectiveRank: number };

async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await tilesCommand(args, (l) => lines.push(l));
  return { code, lines };
}

before(async () => {
  await setupBackend();
  ({ dir, cleanup } = tempDir('ntk-store-cli-'));
  const net = mlp({ inputDim: 6, widths: [48, 48], seed: 1 });
  const x = gaussianMatrix(400, 6, 2);
  try {
    await planTileJob(path.join(dir, 'train'), net, x, undefined, { tile: 150 });
    await planTileJob(path.join(dir, 'cross'), net, gaussianMatrix(60, 6, 3), x, { tile: 150 });
  } finally {
    net.dispose();
  }
  for (const [name, out] of [['train', 'K.npy'], ['cross', 'Kc.npy']]) {
    const job = await TileJob.open(path.join(dir, name), { mode: 'run' });
    for (let k = 0; k < job.tiles; k++) await runTile(job, k);
    await assembleJob(job, path.join(dir, out));
    await job.dispose();
  }
  execFileSync(projectPython('numpy'), [path.join(__dirname, '../../../test/tiles/python/store_cli_reference.py'), dir, String(RIDGE)]);
  ref = JSON.parse(fs.readFileSync(path.join(dir, 'ref.json'), 'utf8'));
});

after(() => cleanup());

test('tiles stats: trace, Frobenius norm and effective rank as numpy', async () => {
  const { code, lines } = await cli(['stats', path.join(dir, 'train'), '--json', '--workers', '2']);
  assert.equal(code, 0);
  const s = JSON.parse(lines.join('\n'));
  assert.ok(Math.abs(s.trace - ref.trace) <= 1e-12 * ref.trace);
  assert.ok(Math.abs(s.frobenius - ref.frobenius) <= 1e-12 * ref.frobenius);
  assert.ok(Math.abs(s.effectiveRank - ref.effectiveRank) <= 1e-11 * ref.effectiveRank);
  assert.equal(s.tiles, 6);
  const text = await cli(['stats', path.join(dir, 'train')]);
  assert.match(text.lines.join('\n'), /effective rank \(tr K\)\^2 \/ \|\|K\|\|_F\^2 = [\d.]+ of 400/);
});

test('tiles spectrum --top 5 --density (deflated): the top eigenvalues (Arrow file) as numpy, the SLQ density file', async () => {
  const top = path.join(dir, 'top.arrow');
  const dens = path.join(dir, 'density.arrow');
  const { code, lines } = await cli(['spectrum', path.join(dir, 'train'), '--top', '5', '--density', '--probes', '8', '--steps', '30', '--out', top, '--density-out', dens]);
  assert.equal(code, 0, lines.join('\n'));
  assert.match(lines.join('\n'), /top 5 eigenvalues \(block Krylov, \d+ vectors per pass, \d+ passes/);
  assert.match(lines.join('\n'), /spectral density \(SLQ, 8 probes x 30 steps, top 5 deflated, 30 passes/);
  const t = await readResults(top, 'spectrum');
  const values = t.table.getChild('eigenvalue')!.toArray() as Float64Array;
  assert.equal(values.length, 5);
  values.forEach((v, j) => assert.ok(Math.abs(v - ref.top[j]) <= 1e-8 * ref.top[0], `${j}: ${v} vs ${ref.top[j]}`));
  const d = await readResults(dens, 'density');
  assert.ok(d.table.numRows > 0);
  assert.deepEqual([...new Set(Array.from({ length: d.table.numRows }, (_, i) => String(d.table.getChild('curve')!.get(i))))], ['ntk:slq']);
});

test('tiles solve: alpha and the predictions on a cross job as numpy (Nystrom and Jacobi)', async () => {
  for (const pre of ['nystrom', 'jacobi']) {
    const alpha = path.join(dir, `alpha-${pre}.npy`);
    const pred = path.join(dir, `pred-${pre}.npy`);
    const { code, lines } = await cli(['solve', path.join(dir, 'train'), '--targets', path.join(dir, 'y.npy'), '--ridge', String(RIDGE), '--out', alpha,
      '--preconditioner', pre, '--rank', '80', '--tol', '1e-10', '--predict', path.join(dir, 'cross'), '--predictions', pred]);
    assert.equal(code, 0, lines.join('\n'));
    assert.match(lines[0], new RegExp(`CG with ${pre} preconditioning, \\d+ iterations`));
    const a = await readNpyMatrix(alpha);
    const ra = await readNpyMatrix(path.join(dir, 'ref_alpha.npy'));
    assert.deepEqual([a.rows, a.cols], [400, 2]);
    assert.ok(relativeError(a.data, ra.data) < 1e-7, `${pre} alpha: ${relativeError(a.data, ra.data)}`);
    const p = await readNpyMatrix(pred);
    const rp = await readNpyMatrix(path.join(dir, 'ref_pred.npy'));
    assert.deepEqual([p.rows, p.cols], [60, 2]);
    assert.ok(relativeError(p.data, rp.data) < 1e-7, `${pre} predictions: ${relativeError(p.data, rp.data)}`);
  }
});

test('bad flags and jobs are named errors', async () => {
  const train = path.join(dir, 'train');
  await assert.rejects(cli(['solve', train, '--ridge', '1']), (e: Error) => e instanceof InvalidOptionError && /--targets y.npy, --ridge LAMBDA and --out/.test(e.message));
  await assert.rejects(cli(['solve', train, '--targets', path.join(dir, 'y.npy'), '--ridge=-1', '--out', 'a.npy']), /--ridge must be a number > 0/);
  await assert.rejects(cli(['spectrum', train, '--top', '0']), /nothing to do/);
  await assert.rejects(cli(['spectrum', path.join(dir, 'cross'), '--top', '3']), /cross kernel K\(x1, x2\) has no eigenvalues/);
  await assert.rejects(cli(['stats', train, '--verify', 'sometimes']), /--verify must be once or every-pass/);
  // Predictions from a cross job whose x2 is not the training inputs: refused.
  await assert.rejects(cli(['solve', path.join(dir, 'cross'), '--targets', path.join(dir, 'y.npy'), '--ridge', '1', '--out', path.join(dir, 'x.npy')]), /cross kernel K\(x1, x2\); kernel ridge needs the training kernel/);
  await assert.rejects(cli(['solve', train, '--targets', path.join(dir, 'y.npy'), '--ridge', '1', '--out', path.join(dir, 'x.npy'), '--predict', train, '--predictions', path.join(dir, 'p.npy')]), /x2 is not .*'s x1/);
  fs.writeFileSync(path.join(dir, 'bad.npy'), 'not numpy');
  await assert.rejects(cli(['solve', train, '--targets', path.join(dir, 'bad.npy'), '--ridge', '1', '--out', path.join(dir, 'x.npy')]), /not a .npy file/);
});
