/**
 * Matrix-free work on a tile store (src/tiles/store-operator.ts, src/spectra/block-krylov.ts, slq.ts,
 * src/predict/cg.ts): on a job of n = 700 in tiles of 256 (3 x 3 blocks, the last 188 wide: 6 stored tiles), every
 * result is checked against numpy on the assembled K.npy (test/tiles/python/store_reference.py): K V, the exact
 * statistics, the top eigenvalues, the SLQ CDF against the exact eigenvalue CDF, CG against numpy.linalg.solve;
 * plus multi-worker = single-worker, a corrupted tile caught mid-pass, progress events, and no tensor left behind.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError, MemoryBudgetError } from '../../src/errors';
import { mlp } from '../../src/models';
import { conjugateGradient } from '../../src/predict/cg';
import { jacobiPreconditioner, nystromPreconditioner } from '../../src/predict/preconditioners';
import { blockTopEigen } from '../../src/spectra/block-krylov';
import { denseBlockOperator } from '../../src/spectra/block-operator';
import { slq } from '../../src/spectra/slq';
import { assembleJob } from '../../src/tiles/assemble';
import { JobIncompleteError } from '../../src/tiles/errors';
import { TileJob } from '../../src/tiles/job';
import { planTileJob } from '../../src/tiles/plan';
import { TileStoreOperator, type StorePassEvent } from '../../src/tiles/store-operator';
import { runTile } from '../../src/tiles/worker';
import { Rng } from '../../src/random';
import { projectPython } from '../helpers/venv';
import { setupBackend } from '../helpers/setup';
import { gaussianMatrix, readFloat64, relativeError, tempDir } from './helpers';

const N = 700;
const B = 5;
const KRHS = 3;
const RIDGE = 1e-2; // K's eigenvalues run from 2e-3 to 122 here: condition ~ 1e4
let dir = '';
let cleanup = (): void => undefined;
let jobDir = '';
let ref: { KV: Float64Array; eig: Float64Array; sol: Float64Array; stats: { trace: number; frobenius: number; effectiveRank: number; sum: number; maxAbs: number; diagonal: number[]; deflatedOffDiagonal10: number; deflatedSquareOffDiagonal10: number } };
let V: Float64Array;
let Y: Float64Array;
let K64: Float64Array; // the assembled kernel, for the dense-operator cases only (never a reference)

before(async () => {
  await setupBackend();
  ({ dir, cleanup } = tempDir('ntk-store-'));
  jobDir = path.join(dir, 'job');
  const net = mlp({ inputDim: 8, widths: [64, 64], seed: 3 });
  try {
    await planTileJob(jobDir, net, gaussianMatrix(N, 8, 4), undefined, { tile: 256 });
  } finally {
    net.dispose();
  }
  const job = await TileJob.open(jobDir, { mode: 'run' });
  for (let k = 0; k < job.tiles; k++) await runTile(job, k);
  await assembleJob(job, path.join(dir, 'K.npy'));
  await job.dispose();
  const rng = new Rng(11);
  V = rng.normals64(N * B);
  Y = rng.normals64(N * KRHS);
  fs.writeFileSync(path.join(dir, 'V.f64'), V);
  fs.writeFileSync(path.join(dir, 'Y.f64'), Y);
  execFileSync(projectPython('numpy'), [path.join(__dirname, '../../../test/tiles/python/store_reference.py'), dir, String(B), String(KRHS), String(RIDGE)]);
  ref = { KV: readFloat64(path.join(dir, 'KV.f64')), eig: readFloat64(path.join(dir, 'eig.f64')), sol: readFloat64(path.join(dir, 'sol.f64')), stats: JSON.parse(fs.readFileSync(path.join(dir, 'stats.json'), 'utf8')) };
  const raw = fs.readFileSync(path.join(dir, 'K.npy'));
  const off = raw.length - N * N * 4;
  K64 = Float64Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset + off, raw.byteOffset + raw.length)));
});

after(() => cleanup());

test('the job has a ragged last block and mirrored tiles', async () => {
  const job = await TileJob.open(jobDir);
  assert.equal(job.tiles, 6);
  assert.equal(job.tile(5).rows.end - job.tile(5).rows.start, 700 - 512);
  await job.dispose();
});

test('K V from the store equals numpy on K.npy (float64), one and three workers; progress per tile; no tensors left', async () => {
  const start = tf.memory().numTensors;
  const events: StorePassEvent[] = [];
  const one = await TileStoreOperator.open(jobDir, { onProgress: (e) => events.push(e) });
  const y1 = await one.apply({ rows: N, cols: B, data: V });
  assert.ok(relativeError(y1.data, ref.KV) < 1e-13, `single worker: ${relativeError(y1.data, ref.KV)}`);
  assert.deepEqual(events.map((e) => e.tilesDone), [1, 2, 3, 4, 5, 6]);
  assert.equal(events[5].bytesRead, one.bytesPerPass);
  assert.equal(one.passes, 1);
  await one.close();
  const three = await TileStoreOperator.open(jobDir, { workers: 3 });
  const y3 = await three.apply({ rows: N, cols: B, data: V });
  const y3b = await three.apply({ rows: N, cols: B, data: V }); // a second pass reuses the workers
  assert.ok(relativeError(y3.data, y1.data) < 1e-14, `3 workers vs 1: ${relativeError(y3.data, y1.data)}`);
  assert.deepEqual(y3b.data, y3.data);
  await three.close();
  assert.equal(tf.memory().numTensors, start);
});

test('stats (trace, Frobenius, diagonal, effective rank) equal numpy, one and two workers', async () => {
  for (const workers of [1, 2]) {
    const op = await TileStoreOperator.open(jobDir, { workers });
    const s = await op.stats();
    await op.close();
    const r = ref.stats;
    assert.ok(Math.abs(s.trace! - r.trace) <= 1e-12 * r.trace, `trace ${s.trace} vs ${r.trace}`);
    assert.ok(Math.abs(s.frobenius - r.frobenius) <= 1e-12 * r.frobenius, `fro ${s.frobenius} vs ${r.frobenius}`);
    assert.ok(Math.abs(s.effectiveRank! - r.effectiveRank) <= 1e-11 * r.effectiveRank);
    assert.ok(Math.abs(s.sum - r.sum) <= 1e-11 * Math.abs(r.sum));
    assert.equal(s.maxAbs, r.maxAbs);
    assert.ok(relativeError(s.diagonal!, r.diagonal) === 0, 'diagonal exact (float32 values)');
  }
});

test('block Krylov top-10 equals numpy eigvalsh to 1e-9 relative, in few passes', async () => {
  const op = await TileStoreOperator.open(jobDir, { workers: 2 });
  const r = await blockTopEigen(op, { k: 10, block: 12, tol: 1e-9 });
  await op.close();
  assert.ok(r.converged);
  for (let j = 0; j < 10; j++) assert.ok(Math.abs(r.values[j] - ref.eig[j]) <= 1e-9 * ref.eig[0], `${j}: ${r.values[j]} vs ${ref.eig[j]}`);
  // Ritz vectors: K y = theta y by an independent dense product of the assembled kernel.
  const dense = denseBlockOperator({ rows: N, cols: N, data: K64 });
  const ky = await dense.apply(r.vectors);
  let worst = 0;
  for (let j = 0; j < 10; j++) {
    let s = 0;
    for (let i = 0; i < N; i++) s += (ky.data[i * 10 + j] - r.values[j] * r.vectors.data[i * 10 + j]) ** 2;
    worst = Math.max(worst, Math.sqrt(s) / ref.eig[0]);
  }
  assert.ok(worst < 1e-8, `residual ${worst}`);
  assert.ok(r.passes <= 30, `passes ${r.passes}`);
});

test('SLQ: the CDF of the quadrature measure against the exact eigenvalue CDF', async () => {
  const op = await TileStoreOperator.open(jobDir);
  const d = await slq(op, { probes: 16, steps: 80, seed: 1 });
  await op.close();
  assert.equal(d.passes, 80);
  assert.ok(Math.abs(d.weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  // KS over the exact eigenvalues (both sides of each jump). Tolerance 0.08: the Hutchinson error of 16 Rademacher
  // probes at n = 700 is <= sqrt(2 * 0.25 / (700 * 16)) = 0.0067 (3 sigma 0.02), and an s-node Gauss rule's CDF is
  // within its nearest node's weight of the probe's true CDF (Chebyshev-Markov-Stieltjes). This spectrum spans five
  // decades (2e-3 .. 122) with the bulk below 0.6, so few nodes land in the bulk: measured KS 0.11 at s = 40 (the
  // same with 32 or 64 probes: quadrature-limited), 0.046 at s = 80.
  const eig = Float64Array.from(ref.eig).sort();
  let ks = 0;
  for (let i = 0; i < N; i++) {
    ks = Math.max(ks, Math.abs(d.cdf(eig[i]) - (i + 1) / N), Math.abs(d.cdf(eig[i] - 1e-12 * eig[N - 1]) - i / N));
  }
  assert.ok(ks < 0.08, `KS ${ks}`);
  // tr K: exact per probe (a polynomial of degree 1 <= 2s - 1), so only Hutchinson's error is left, whose standard
  // deviation for m unit Rademacher probes is sqrt(2 (||K||_F^2 - sum K_ii^2) / m), from numpy's statistics: within 3 of them.
  const trK = ref.eig.reduce((a, b) => a + b, 0);
  const offDiagonal = ref.stats.frobenius ** 2 - ref.stats.diagonal.reduce((a, b) => a + b * b, 0);
  const sigma = Math.sqrt((2 * offDiagonal) / 16);
  assert.ok(Math.abs(d.trace((x) => x) - trK) < 3 * sigma, `tr K ${d.trace((x) => x)} vs ${trK} (sigma ${sigma})`);
  console.log(`SLQ KS = ${ks.toFixed(4)}; tr K ${d.trace((x) => x).toFixed(1)} vs ${trK.toFixed(1)}, sigma ${sigma.toFixed(1)}`);
});

test('SLQ deflated by the block-Krylov top 10: tr K and tr K^2 within 3 of their (much smaller) Hutchinson sigmas, a closer CDF', async () => {
  const op = await TileStoreOperator.open(jobDir, { workers: 2 });
  const top = await blockTopEigen(op, { k: 10, block: 12, tol: 1e-9 });
  const d = await slq(op, { probes: 16, steps: 80, seed: 1, deflate: top });
  await op.close();
  const trK = ref.eig.reduce((a, b) => a + b, 0);
  const sigma = Math.sqrt((2 * ref.stats.deflatedOffDiagonal10) / 16); // numpy's deflated K
  assert.ok(Math.abs(d.trace((x) => x) - trK) < 3 * sigma, `tr K ${d.trace((x) => x)} vs ${trK} (sigma ${sigma})`);
  // tr K^2 = ||K||_F^2 (a degree-2 polynomial: exact per probe): within 3 sigma of the deflated K^2's Hutchinson error.
  const trK2 = ref.eig.reduce((a, b) => a + b * b, 0);
  const sigma2 = Math.sqrt((2 * ref.stats.deflatedSquareOffDiagonal10) / 16);
  assert.ok(Math.abs(d.trace((x) => x * x) - trK2) < 3 * sigma2, `tr K^2 ${d.trace((x) => x * x)} vs ${trK2} (sigma ${sigma2})`);
  assert.ok(Math.abs(trK2 - ref.stats.frobenius ** 2) < 1e-9 * trK2);
  const eig = Float64Array.from(ref.eig).sort();
  let ks = 0;
  for (let i = 0; i < N; i++) ks = Math.max(ks, Math.abs(d.cdf(eig[i]) - (i + 1) / N), Math.abs(d.cdf(eig[i] - 1e-12 * eig[N - 1]) - i / N));
  console.log(`deflated SLQ (80 steps): KS ${ks.toFixed(4)}, tr K ${d.trace((x) => x).toFixed(2)} vs ${trK.toFixed(2)}, sigma ${sigma.toFixed(2)}`);
  assert.ok(ks < 0.06, `KS ${ks}`); // measured 0.037 (0.046 undeflated at the same steps): the same reasons as above
});

test('CG on the store equals numpy.linalg.solve; Nystrom and Jacobi preconditioning cut the iterations', async () => {
  const op = await TileStoreOperator.open(jobDir, { workers: 2 });
  const y = { rows: N, cols: KRHS, data: Y };
  const plain = await conjugateGradient(op, y, { ridge: RIDGE, tol: 1e-9, maxIterations: 700 });
  assert.ok(plain.converged, `plain CG: ${plain.iterations} iterations, residual ${plain.history[plain.history.length - 1]}`);
  assert.ok(relativeError(plain.solution.data, ref.sol) < 1e-6, `plain: ${relativeError(plain.solution.data, ref.sol)}`);
  const before = op.passes;
  const nys = await nystromPreconditioner(op, RIDGE, { rank: 120, seed: 2 });
  assert.equal(op.passes, before + 1, 'the Nystrom sketch takes one pass');
  const pcg = await conjugateGradient(op, y, { ridge: RIDGE, tol: 1e-9, maxIterations: 700, preconditioner: nys });
  assert.ok(pcg.converged);
  assert.ok(relativeError(pcg.solution.data, ref.sol) < 1e-6, `nystrom: ${relativeError(pcg.solution.data, ref.sol)}`);
  const s = await op.stats();
  const jac = await conjugateGradient(op, y, { ridge: RIDGE, tol: 1e-9, maxIterations: 700, preconditioner: jacobiPreconditioner(s.diagonal!, RIDGE) });
  assert.ok(jac.converged && relativeError(jac.solution.data, ref.sol) < 1e-6);
  await op.close();
  console.log(`CG iterations: plain ${plain.iterations}, Jacobi ${jac.iterations}, Nystrom(120) ${pcg.iterations}`);
  assert.ok(pcg.iterations * 2 < plain.iterations, `nystrom ${pcg.iterations} vs plain ${plain.iterations}`);
  assert.equal(plain.history.length, plain.iterations + 1);
});

test('CG works on any block operator: a dense ill-conditioned SPD matrix against numpy-free exact solution', async () => {
  // A = Q diag(d) Q^T with d from 1e-4 to 1: solve A x = A x* for a known x* (the residual route, not our solver).
  const n = 120;
  const rng = new Rng(5);
  const g = rng.normals64(n * n);
  const dense = denseBlockOperator({ rows: n, cols: n, data: g });
  const gg = await dense.apply({ rows: n, cols: n, data: (() => { const t = new Float64Array(n * n); for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[i * n + j] = g[j * n + i]; return t; })() });
  for (let i = 0; i < n; i++) gg.data[i * n + i] += 1e-3; // G G^T + 1e-3 I: condition ~ 1e5
  const A = denseBlockOperator(gg);
  const xStar = rng.normals64(n * 2);
  const rhs = await A.apply({ rows: n, cols: 2, data: xStar });
  const r = await conjugateGradient(A, rhs, { tol: 1e-12, maxIterations: 2000 });
  assert.ok(r.converged);
  assert.ok(relativeError(r.solution.data, xStar) < 1e-6, `${relativeError(r.solution.data, xStar)}`);
});

test('a tile corrupted on disk between passes is caught during the next pass (one and two workers)', async () => {
  for (const workers of [1, 2]) {
    const op = await TileStoreOperator.open(jobDir, { workers });
    await op.apply({ rows: N, cols: 1, data: V.subarray(0, N) }); // verified once
    const file = path.join(jobDir, 'tiles', '0-1.arrow');
    const bytes = fs.readFileSync(file);
    const at = bytes.length - 4096;
    const original = bytes[at];
    bytes[at] ^= 0x10; // a bit flips inside the values, the size stays
    fs.writeFileSync(file, bytes);
    try {
      await assert.rejects(op.apply({ rows: N, cols: 1, data: V.subarray(0, N) }), (e: Error) => e instanceof JobIncompleteError && /checksum mismatch in tile 0-1/.test(e.message) && /tiles run/.test(e.message));
    } finally {
      bytes[at] = original;
      fs.writeFileSync(file, bytes);
      await op.close();
    }
  }
  // 'every-pass' hashes on each read: the restored file passes again.
  const op = await TileStoreOperator.open(jobDir, { verify: 'every-pass' });
  const y = await op.apply({ rows: N, cols: B, data: V });
  assert.ok(relativeError(y.data, ref.KV) < 1e-13);
  await op.close();
});

test("layout 'full' (k = 2 outputs: the nk x nk view) and a cross job: K V equals numpy's product on the assembled kernel", async () => {
  const net = mlp({ inputDim: 4, widths: [16], outputDim: 2, seed: 7 });
  try {
    for (const [name, x2] of [['full', undefined], ['cross', gaussianMatrix(31, 4, 9)]] as const) {
      const jd = path.join(dir, `job-${name}`);
      await planTileJob(jd, net, gaussianMatrix(45, 4, 8), x2, { tile: 20, outputs: name === 'full' ? 'full' : 'trace' });
      const job = await TileJob.open(jd, { mode: 'run' });
      for (let k = 0; k < job.tiles; k++) await runTile(job, k);
      await assembleJob(job, path.join(dir, `K-${name}.npy`));
      await job.dispose();
      const op = await TileStoreOperator.open(jd, { workers: 2 });
      const v = new Rng(3).normals64(op.cols * 3);
      fs.writeFileSync(path.join(dir, `v-${name}.f64`), v);
      const y = await op.apply({ rows: op.cols, cols: 3, data: v });
      await op.close();
      execFileSync(projectPython('numpy'), ['-c', `import numpy as np, sys; K = np.load(sys.argv[1]).astype(np.float64); K = K.reshape(K.shape[0], -1); ` +
        `V = np.fromfile(sys.argv[2], dtype='<f8').reshape(K.shape[1], 3); (K @ V).astype('<f8').tofile(sys.argv[3])`, path.join(dir, `K-${name}.npy`), path.join(dir, `v-${name}.f64`), path.join(dir, `kv-${name}.f64`)]);
      const want = readFloat64(path.join(dir, `kv-${name}.f64`));
      assert.deepEqual([y.rows, op.cols], name === 'full' ? [90, 90] : [45, 31]);
      assert.ok(relativeError(y.data, want) < 1e-13, `${name}: ${relativeError(y.data, want)}`);
    }
    // 'diagonal' (one n x n kernel per output, shape [n, n, k]) is no square operator: refused, before any tile is read.
    await planTileJob(path.join(dir, 'job-diagonal'), net, gaussianMatrix(10, 4, 8), undefined, { tile: 5, outputs: 'diagonal' });
    await assert.rejects(TileStoreOperator.open(path.join(dir, 'job-diagonal')), /layout 'diagonal' .* which is no square operator/);
  } finally {
    net.dispose();
  }
});

test('bad input: a wrong block shape, an unknown kernel label, over-budget buffers, a cancelled pass, an unfinished job', async () => {
  const op = await TileStoreOperator.open(jobDir);
  await assert.rejects(op.apply({ rows: N - 1, cols: 2, data: new Float64Array((N - 1) * 2) }), /V must be a 700 x b float64 block/);
  await op.close();
  await assert.rejects(TileStoreOperator.open(jobDir, { kernel: 'layer9' }), /kernel 'layer9' is not in this job; it has ntk/);
  // Refused before allocating: n x b buffers over the budget, a Krylov basis over the budget; a cancelled pass.
  const small = await TileStoreOperator.open(jobDir, { maxBytes: 1e5 });
  await assert.rejects(small.apply({ rows: N, cols: 16, data: new Float64Array(N * 16) }), (e: Error) => e instanceof MemoryBudgetError && /over the budget/.test(e.message));
  await assert.rejects(blockTopEigen(small, { k: 4, maxBytes: 1e5 }), (e: Error) => e instanceof MemoryBudgetError && /lower maxBasis or block/.test(e.message));
  assert.equal(small.passes, 0, 'nothing was read');
  await small.close();
  const controller = new AbortController();
  const cancelled = await TileStoreOperator.open(jobDir, { workers: 2, signal: controller.signal, onProgress: () => controller.abort() });
  await assert.rejects(cancelled.apply({ rows: N, cols: 1, data: V.subarray(0, N) }), CancelledError);
  await cancelled.close();
  fs.renameSync(path.join(jobDir, 'tiles', '1-2.json'), path.join(dir, '1-2.json'));
  try {
    await assert.rejects(TileStoreOperator.open(jobDir), (e: Error) => e instanceof JobIncompleteError && /1 of 6 tiles are not done \(1-2/.test(e.message));
  } finally {
    fs.renameSync(path.join(dir, '1-2.json'), path.join(jobDir, 'tiles', '1-2.json'));
  }
});
