/**
 * nystromNtk (issue 18 item 4.3): with m = n landmarks it is the exact kernel; it is exact on its landmark columns;
 * the factor F F^T is the kernel; the reported error within a factor 2 of the error measured against ntk() on MLPs
 * (1 and 3 outputs) and a small CNN, uniform and pivoted-Cholesky landmarks; tensors; bad options.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError, MemoryBudgetError, NonFiniteError } from '../../src/errors';
import { Mlp, mlp } from '../../src/models';
import { ntk } from '../../src/ntk';
import { nystromNtk } from '../../src/ntk/approximate';
import { relFrobenius } from '../helpers/finite-differences';
import { gaussianRows, setupBackend } from '../helpers/setup';
import { smallCnn } from '../helpers/small-cnn';

before(setupBackend);

test('m = n landmarks: the exact kernel (both methods); landmark columns are exact; F F^T is the kernel', async () => {
  const net = mlp({ inputDim: 5, widths: [32, 32], outputDim: 2, seed: 1 });
  const xs = gaussianRows(24, 5, 2);
  try {
    const K = await ntk(net, xs);
    for (const method of ['uniform', 'pivoted-cholesky'] as const) {
      const r = await nystromNtk(net, xs, { landmarks: 24, method });
      const err = relFrobenius(r.kernel!.values, K.values);
      assert.ok(err < 1e-5, `${method}, m = n: error ${err}`);
      assert.ok(r.error.estimate < 1e-5 && r.error.subset === 0, `${method}: ${JSON.stringify(r.error)}`);
      assert.equal(r.landmarks.length, 24);
      assert.equal(r.kernel!.outputs, 2);
    }
    const r = await nystromNtk(net, xs, { landmarks: 8, seed: 3 });
    const cols = new Float64Array(24 * 8);
    const exact = new Float64Array(24 * 8);
    for (let i = 0; i < 24; i++) r.landmarks.forEach((l, j) => {
      cols[i * 8 + j] = r.kernel!.get(i, l);
      exact[i * 8 + j] = K.get(i, l);
    });
    assert.ok(relFrobenius(cols, exact) < 1e-5, 'exact on the landmark columns');
    const f = await nystromNtk(net, xs, { landmarks: 8, seed: 3, factor: true });
    assert.equal(f.kernel, null);
    assert.equal(f.factor!.rows, 24);
    assert.equal(f.factor!.cols, f.rank);
    const FFt = new Float64Array(24 * 24);
    const F = f.factor!.data;
    for (let i = 0; i < 24; i++) for (let j = 0; j < 24; j++) for (let t = 0; t < f.rank; t++) FFt[i * 24 + j] += F[i * f.rank + t] * F[j * f.rank + t];
    assert.ok(relFrobenius(FFt, r.kernel!.values) < 1e-6, 'F F^T equals the kernel');
    assert.equal(f.error.estimate, r.error.estimate);
    // The features-once path (explicit, MLPs) and the ntk() path (here forced to the autodiff method) agree.
    const viaJacobian = await nystromNtk(net, xs, { landmarks: 8, seed: 3, ntkMethod: 'jacobian' });
    assert.deepEqual(viaJacobian.landmarks, r.landmarks);
    assert.ok(relFrobenius(viaJacobian.kernel!.values, r.kernel!.values) < 1e-5);
  } finally {
    net.dispose();
  }
});

test('reported error within a factor 2 of the measured error (MLPs with 1 and 3 outputs, CNN; uniform and pivoted Cholesky; m, seeds)', async (t) => {
  const cases: { name: string; model: Mlp | tfl.LayersModel; x: number[][] | tf.Tensor }[] = [
    { name: 'relu mlp 8-64-64-1', model: mlp({ inputDim: 8, widths: [64, 64], seed: 1 }), x: gaussianRows(96, 8, 2) },
    { name: 'tanh mlp 6-32-3', model: mlp({ inputDim: 6, widths: [32], outputDim: 3, activation: 'tanh', seed: 4 }), x: gaussianRows(80, 6, 5) },
    { name: 'cnn conv3x3(4)-dense(2)', model: smallCnn(7, 2), x: tf.randomNormal([64, 6, 6, 1], 0, 1, 'float32', 8) },
  ];
  const ratios: number[] = [];
  try {
    for (const c of cases) {
      const K = await ntk(c.model, c.x);
      for (const method of ['uniform', 'pivoted-cholesky'] as const) {
        for (const [m, seed] of [[8, 0], [16, 1], [32, 2]]) {
          const r = await nystromNtk(c.model, c.x, { landmarks: m, method, seed, subset: 24 });
          const measured = relFrobenius(r.kernel!.values, K.values);
          const ratio = r.error.estimate / measured;
          ratios.push(ratio);
          assert.ok(ratio > 0.5 && ratio < 2, `${c.name}, ${method}, m = ${m}: reported ${r.error.estimate.toFixed(4)} vs measured ${measured.toFixed(4)}`);
          assert.ok(measured > 1e-3, `${c.name}: not trivially exact`);
          assert.equal(r.error.subset, 24);
          assert.ok(r.cost.exactEntries >= K.values.length / K.rows * (m + 24));
        }
      }
      // Pivoted Cholesky's first landmark is the example of largest K_ii.
      const r = await nystromNtk(c.model, c.x, { landmarks: 4, method: 'pivoted-cholesky' });
      let best = 0;
      for (let i = 0; i < K.rows; i++) if (K.get(i, i) > K.get(best, best)) best = i;
      assert.equal(r.landmarks[0], best);
    }
    t.diagnostic(`reported / measured over ${ratios.length} cases: ${Math.min(...ratios).toFixed(2)} .. ${Math.max(...ratios).toFixed(2)}`);
  } finally {
    for (const c of cases) {
      if (c.x instanceof tf.Tensor) c.x.dispose();
      c.model.dispose();
    }
  }
});

/** Textbook greedy pivoted Cholesky (float64) on a whole n x n kernel: the pivots, and the rank-m factor's relative error. */
function textbookPivotedCholesky(K: Float32Array, n: number, m: number): { pivots: number[]; error: number } {
  const d = Float64Array.from({ length: n }, (_, i) => K[i * n + i]);
  const F: Float64Array[] = [];
  const pivots: number[] = [];
  for (let t = 0; t < m; t++) {
    let p = 0;
    for (let i = 1; i < n; i++) if (d[i] > d[p]) p = i;
    pivots.push(p);
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = K[i * n + p];
      for (const f of F) v -= f[i] * f[p];
      col[i] = v;
    }
    const s = Math.sqrt(col[p]);
    for (let i = 0; i < n; i++) {
      col[i] /= s;
      d[i] -= col[i] * col[i];
    }
    F.push(col);
  }
  const approx = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (const f of F) approx[i * n + j] += f[i] * f[j];
  return { pivots, error: relFrobenius(approx, K) };
}

test('pivoted Cholesky in rounds picks (almost) the pivots of sequential greedy pivoted Cholesky on the whole kernel', async (t) => {
  const nets = [mlp({ inputDim: 8, widths: [64, 64], outputDim: 3, seed: 1 }), mlp({ inputDim: 8, widths: [32], activation: 'tanh', seed: 1 })];
  try {
    for (const [q, net] of nets.entries()) {
      const n = q === 0 ? 96 : 80;
      const xs = gaussianRows(n, 8, 2);
      const K = (await ntk(net, xs)).values;
      for (const m of [8, 16, 32]) {
        const ref = textbookPivotedCholesky(K, n, m);
        const r = await nystromNtk(net, xs, { landmarks: m, method: 'pivoted-cholesky', subset: 0 });
        const shared = ref.pivots.filter((p) => r.landmarks.includes(p)).length;
        const err = relFrobenius(r.kernel!.values, K);
        t.diagnostic(`net ${q}, m = ${m}: ${shared} of ${m} pivots shared; error ${err.toFixed(4)} vs sequential ${ref.error.toFixed(4)}`);
        assert.deepEqual(r.landmarks.slice(0, 4), ref.pivots.slice(0, 4));
        assert.ok(shared >= 0.9 * m, `net ${q}, m = ${m}: ${shared} pivots shared`);
        assert.ok(err < 1.1 * ref.error, `net ${q}, m = ${m}: error ${err} vs sequential ${ref.error}`);
      }
    }
  } finally {
    nets.forEach((n) => n.dispose());
  }
});

test('nystromNtk: tensors return to their start count; bad options give named errors', async () => {
  const net = mlp({ inputDim: 3, widths: [8], seed: 0 });
  const cnn = smallCnn(3, 1);
  const images = tf.randomNormal([10, 6, 6, 1], 0, 1, 'float32', 1);
  const xs = gaussianRows(10, 3, 4);
  try {
    await nystromNtk(cnn, images, { landmarks: 3 }); // tfjs-layers keeps tensors of its own on a layer's first call
    const start = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await nystromNtk(net, xs, { landmarks: 4, seed: i });
      await nystromNtk(cnn, images, { landmarks: 3, method: 'pivoted-cholesky' });
      for (const landmarks of [0, -1, 1.5, 11]) await assert.rejects(nystromNtk(net, xs, { landmarks }), InvalidOptionError);
      await assert.rejects(nystromNtk(net, xs, { landmarks: 11 }), /at most the number of examples \(n = 10\)/);
      await assert.rejects(nystromNtk(net, xs, { landmarks: 4, method: 'random' as 'uniform' }), InvalidOptionError);
      await assert.rejects(nystromNtk(net, xs, { landmarks: 4, rcond: -1 }), InvalidOptionError);
      await assert.rejects(nystromNtk(net, [[0, 1, NaN]], { landmarks: 1 }), NonFiniteError);
      await assert.rejects(nystromNtk(net, xs, { landmarks: 4, maxBytes: 1000 }), MemoryBudgetError);
    }
    assert.equal(tf.memory().numTensors, start);
  } finally {
    images.dispose();
    cnn.dispose();
    net.dispose();
  }
});
