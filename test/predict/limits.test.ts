/**
 * Acceptance: gradientDescentMse at t -> Infinity equals kernelRidge at lambda -> 0 on a well-conditioned
 * kernel; plus the identities that pin the conventions (time scale, f_0, layouts) without a reference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/linalg';
import { Kernel } from '../../src/ntk/kernel';
import { gradientDescentMse, kernelRidge } from '../../src/predict';
import { forEachImpl, gramPair, maxRelErr, normals } from './helpers';

const n = 30;
const m = 11;
const k = 3;

forEachImpl('predict limits', () => {
  test('at(Infinity) equals kernelRidge(lambda = 0), and large t / small lambda approach it', async (t) => {
    const { K, Ktd } = gramPair(n, m, 3 * (n + m), 7); // condition number ~ 15
    const y = normals(n, k, 8);
    const p = await gradientDescentMse(K, y, Ktd);
    const inf = p.at(Infinity);
    const ridge0 = await kernelRidge(K, y, Ktd, 0);
    const e0 = maxRelErr(inf.data, ridge0.data);
    assert.ok(e0 <= 1e-12, `at(Infinity) vs kernelRidge(0): ${e0}`);
    // The slowest mode decays as exp(-lambda_min lr t / (n k)): t = 200 n k / lambda_min leaves e^-200.
    const lmin = p.eigenvalues[0][0];
    const late = p.at((200 * n * k) / lmin);
    assert.ok(maxRelErr(late.data, inf.data) <= 1e-12);
    const small = await kernelRidge(K, y, Ktd, 1e-10);
    const es = maxRelErr(small.data, inf.data);
    assert.ok(es <= 1e-8, `kernelRidge(1e-10) vs at(Infinity): ${es}`);
    assert.ok(maxRelErr(p.trainAt(Infinity).data, y.data) <= 1e-12, 'training set is interpolated');
    t.diagnostic(`at(Infinity) vs kernelRidge(0): ${e0.toExponential(2)}; vs kernelRidge(1e-10): ${es.toExponential(2)}`);
  });

  test('t = 0 returns f_0; errors shrink monotonically along the flow', async () => {
    const { K, Ktd } = gramPair(n, m, 3 * (n + m), 9);
    const y = normals(n, k, 10);
    const fxTrain0 = normals(n, k, 11);
    const fxTest0 = normals(m, k, 12);
    const p = await gradientDescentMse(K, y, Ktd, { fxTrain0, fxTest0, lr: 3 });
    assert.deepEqual(p.at(0).data, fxTest0.data);
    assert.deepEqual(p.trainAt(0).data, fxTrain0.data);
    let prev = Infinity;
    for (const time of [1, 10, 100, 1000, 10000]) {
      const err = maxRelErr(p.trainAt(time).data, y.data);
      assert.ok(err < prev, `training error did not decrease at t = ${time}`);
      prev = err;
    }
  });

  test('lossNormalization and lr only rescale time: sum at t = mean at n k t = per-example at n t', async () => {
    const { K, Ktd } = gramPair(n, m, 2 * (n + m), 13);
    const y = normals(n, k, 14);
    const mean = await gradientDescentMse(K, y, Ktd, { lr: 0.5 });
    const sum = await gradientDescentMse(K, y, Ktd, { lr: 0.25, lossNormalization: 'sum' });
    const ex = await gradientDescentMse(K, y, Ktd, { lr: 1, lossNormalization: 'per-example' });
    assert.equal(mean.lossDivisor, n * k);
    assert.equal(ex.lossDivisor, n);
    assert.equal(sum.lossDivisor, 1);
    const ref = sum.at(0.2).data;
    assert.ok(maxRelErr(mean.at(0.1 * n * k).data, ref) <= 1e-13);
    assert.ok(maxRelErr(ex.at(0.05 * n).data, ref) <= 1e-13);
    assert.equal(mean.maxLearningRate, (2 * n * k) / mean.eigenvalues[0][n - 1]);
  });

  test("layouts agree: 'full' K (x) I_k and 'diagonal' [K, K, K] give the 'trace' answer", async () => {
    const { K, Ktd } = gramPair(n, m, 3 * (n + m), 15);
    const y = normals(n, k, 16);
    const kron = (a: Matrix<Float64Array>): Matrix<Float64Array> => {
      const out = new Float64Array(a.rows * k * a.cols * k);
      for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) for (let c = 0; c < k; c++) out[(i * k + c) * a.cols * k + j * k + c] = a.data[i * a.cols + j];
      return { rows: a.rows * k, cols: a.cols * k, data: out };
    };
    const diag = (a: Matrix<Float64Array>, symmetric: boolean): Kernel => {
      const v = new Float32Array(a.rows * a.cols * k);
      for (let i = 0; i < a.rows * a.cols; i++) for (let c = 0; c < k; c++) v[i * k + c] = a.data[i];
      return new Kernel({ values: v, shape: [a.rows, a.cols, k], kind: 'ntk', layout: 'diagonal', outputs: k, label: 'ntk', symmetric, backend: 'test', wallTimeMs: 0 });
    };
    const trace = await kernelRidge(K, y, Ktd, 0.01);
    const full = await kernelRidge(kron(K), y, kron(Ktd), 0.01);
    assert.ok(maxRelErr(full.data, trace.data) <= 1e-12);
    // The diagonal kernel is float32: compare with the trace answer on the same rounded kernel.
    const round = (a: Matrix<Float64Array>): Matrix<Float64Array> => ({ ...a, data: Float64Array.from(Float32Array.from(a.data)) });
    const trace32 = await kernelRidge(round(K), y, round(Ktd), 0.01);
    const diagonal = await kernelRidge(diag(K, true), y, diag(Ktd, false), 0.01);
    assert.ok(maxRelErr(diagonal.data, trace32.data) <= 1e-12);
    const pf = await gradientDescentMse(kron(K), y, kron(Ktd));
    const pt = await gradientDescentMse(K, y, Ktd);
    assert.ok(maxRelErr(pf.at(50).data, pt.at(50).data) <= 1e-12);
    assert.ok(maxRelErr(pf.trainAt(50).data, pt.trainAt(50).data) <= 1e-12);
  });

  test('singular PSD kernel: kernelRidge(0) throws LinalgError, at(Infinity) is the minimum-norm interpolant', async () => {
    // rank 8 < n: K = F F^T / p with p = 8 features.
    const { K, Ktd } = gramPair(n, m, 8, 17);
    const y = normals(n, 1, 18);
    await assert.rejects(kernelRidge(K, y, Ktd, 0), (e: Error) => e.name === 'LinalgError' && /not positive definite/.test(e.message) && /eigenvalues run from/.test(e.message));
    const p = await gradientDescentMse(K, y.data, Ktd);
    const inf = p.at(Infinity);
    assert.ok(inf.data.every(Number.isFinite));
    const ridge = await kernelRidge(K, y, Ktd, 1e-9);
    assert.ok(maxRelErr(inf.data, ridge.data) <= 1e-6, `${maxRelErr(inf.data, ridge.data)}`);
    // Finite times never see the null directions either: no blow-up, and at(t) -> at(Infinity).
    assert.ok(maxRelErr(p.at(1e9).data, inf.data) <= 1e-6);
  });
});
