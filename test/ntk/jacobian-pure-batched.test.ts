/**
 * The batched route of pure functions (src/ntk/jacobian/pure-batched.ts, issue 19 item 3): for f that accepts
 * parameters with a leading row axis, per-example gradients of a block of examples x outputs from one tfjs reverse
 * pass. Checked against the per-example route and against central finite differences of a float64 loop
 * implementation, to 1e-5 relative per component; blocks smaller than the batch (a small maxBytes) give the same
 * kernel; functions that cannot be vectorised fall back, with the reason in the kernel's normalization text.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, UnsupportedModelError } from '../../src/errors';
import { PureModel, ntk, ntkLayerwise } from '../../src/ntk';
import { Rng } from '../../src/random';
import { gaussianRows, setupBackend } from '../helpers/setup';
import { relFrobenius } from '../helpers/finite-differences';

const D = 4;
const M = 6;
const K = 3;

/** z = h W + b for h [n, c] and W [c, c'] or per-row weights W [n, c, c'] (b [c'] or [n, c']). */
function dense(h: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (w.rank === 2) return tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b);
  return tf.add(tf.squeeze(tf.matMul(tf.expandDims(h, 1), w), [1]), b);
}

/** A batch-polymorphic two-layer tanh net D -> M -> K, seeded, and its weights as float64 arrays. */
function net(seed: number): { model: PureModel; weights: Float64Array[]; dispose: () => void } {
  const rng = new Rng(seed);
  const shapes = [[D, M], [M], [M, K], [K]];
  const weights = shapes.map((s) => Float64Array.from(new Float32Array(s.reduce((a, b) => a * b, 1)).map(() => rng.normal() * 0.8)));
  const params = weights.map((w, t) => tf.tensor(Float32Array.from(w), shapes[t]));
  const model: PureModel = {
    apply: (p, x) => tf.tidy(() => dense(tf.tanh(dense(x, p[0], p[1])), p[2], p[3])),
    params,
    paramLabels: ['W1', 'b1', 'W2', 'b2'],
  };
  return { model, weights, dispose: () => tf.dispose(params) };
}

/** f(x) of one example in float64 by loops (no tfjs). */
function forward64(p: Float64Array[], x: number[]): Float64Array {
  const h = new Float64Array(M);
  for (let j = 0; j < M; j++) {
    let s = p[1][j];
    for (let i = 0; i < D; i++) s += x[i] * p[0][i * M + j];
    h[j] = Math.tanh(s);
  }
  const y = new Float64Array(K);
  for (let a = 0; a < K; a++) {
    y[a] = p[3][a];
    for (let j = 0; j < M; j++) y[a] += h[j] * p[2][j * K + a];
  }
  return y;
}

/** Component t of the 'full' cross kernel by central differences: (n1 K) x (n2 K). */
function fdComponent(p: Float64Array[], t: number, x1: number[][], x2: number[][], step = 1e-6): Float64Array {
  const jac = (xs: number[][]): Float64Array[] =>
    xs.map((x) => {
      const theta = p[t];
      const J = new Float64Array(K * theta.length);
      for (let q = 0; q < theta.length; q++) {
        const keep = theta[q];
        theta[q] = keep + step;
        const up = forward64(p, x);
        theta[q] = keep - step;
        const down = forward64(p, x);
        theta[q] = keep;
        for (let a = 0; a < K; a++) J[a * theta.length + q] = (up[a] - down[a]) / (2 * step);
      }
      return J;
    });
  const j1 = jac(x1);
  const j2 = jac(x2);
  const P = p[t].length;
  const out = new Float64Array(x1.length * K * x2.length * K);
  for (let i = 0; i < x1.length; i++)
    for (let a = 0; a < K; a++)
      for (let j = 0; j < x2.length; j++)
        for (let b = 0; b < K; b++) {
          let s = 0;
          for (let q = 0; q < P; q++) s += j1[i][a * P + q] * j2[j][b * P + q];
          out[(i * K + a) * x2.length * K + j * K + b] = s;
        }
  return out;
}

before(setupBackend);

test('batched route == per-example route and == central differences (float64), every component, symmetric and cross', async (t) => {
  const start = tf.memory().numTensors;
  const { model, weights, dispose } = net(1);
  const x1 = gaussianRows(7, D, 2);
  const x2 = gaussianRows(5, D, 3);
  try {
    let worst = 0;
    for (const x2s of [undefined, x2]) {
      const a = await ntkLayerwise(model, x1, x2s, { outputs: 'full' });
      const b = await ntkLayerwise({ ...model, route: 'per-example' }, x1, x2s, { outputs: 'full' });
      assert.match(a.ntk.normalization, /batched reverse mode: one tfjs reverse pass per block of examples x 3 outputs/);
      assert.match(b.ntk.normalization, /one tfjs reverse pass per example and output \(route asked for\)/);
      // MethodChoice.reason (shown in the kernel's backend line under method 'auto') names the route too.
      assert.match(a.ntk.backend, /auto: a pure function f\(params, x\): only autodiff applies; .*batched reverse mode/);
      assert.match(b.ntk.backend, /auto: a pure function .*per example and output \(route asked for\)/);
      assert.ok(relFrobenius(a.ntk.values, b.ntk.values) <= 1e-5);
      a.components.forEach((c, i) => {
        const e = relFrobenius(c.values, b.components[i].values);
        worst = Math.max(worst, e);
        assert.ok(e <= 1e-5, `${c.label} vs per-example: ${e}`);
        const fd = relFrobenius(c.values, fdComponent(weights, i, x1, x2s ?? x1));
        worst = Math.max(worst, fd);
        assert.ok(fd <= 1e-5, `${c.label} vs finite differences: ${fd}`);
      });
    }
    t.diagnostic(`worst component relative difference ${worst.toExponential(2)}`);
  } finally {
    dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('blocks from the memory budget: a small maxBytes splits the batch into several reverse passes, same kernel', async () => {
  const start = tf.memory().numTensors;
  const { model, dispose } = net(4);
  let widest = 0;
  const counted: PureModel = {
    ...model,
    apply: (p, x) => {
      if (p[0].rank === 3) widest = Math.max(widest, x.shape[0]);
      return model.apply(p, x);
    },
  };
  const x = gaussianRows(40, D, 5);
  try {
    const whole = await ntk(counted, x, undefined, { outputs: 'trace' });
    assert.equal(widest, 40 * K, 'one pass of all n k rows by default');
    widest = 0;
    const blocked = await ntk(counted, x, undefined, { outputs: 'trace', maxBytes: 400_000 });
    assert.ok(widest > 0 && widest < 40 * K, `rows per pass ${widest}`);
    assert.ok(relFrobenius(blocked.values, whole.values) <= 1e-6);
  } finally {
    dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('functions that cannot take per-row parameters fall back (reason reported); route: batched refuses them; bad route', async () => {
  const start = tf.memory().numTensors;
  const W = tf.tensor(new Rng(6).normals32(D * 2), [D, 2]);
  const x = gaussianRows(4, D, 7);
  // (a) a plain matMul: with W [2, D, 2] it returns [2, 2, 2]; (b) ignores every row of W but the first.
  const plain: PureModel = { apply: (p, xt) => tf.tanh(tf.matMul(xt as tf.Tensor2D, p[0] as tf.Tensor2D)), params: [W] };
  const firstRow: PureModel = {
    apply: (p, xt) => tf.tidy(() => tf.tanh(tf.matMul(xt as tf.Tensor2D, (p[0].rank === 3 ? tf.squeeze(tf.slice(p[0], 0, 1), [0]) : p[0]) as tf.Tensor2D))),
    params: [W],
  };
  try {
    const a = await ntk(plain, x);
    assert.match(a.normalization, /per example and output \(auto: not batched, since with parameters \[2, \.\.\.shape\] it returned shape \[2, 2, 2\]/);
    const b = await ntk(firstRow, x);
    assert.match(b.normalization, /auto: not batched, since with parameters \[2, \.\.\.shape\], row r is not f\(params_r, x_r\)/);
    assert.ok(relFrobenius(b.values, a.values) <= 1e-6);
    await assert.rejects(ntk({ ...plain, route: 'batched' }, x), UnsupportedModelError);
    await assert.rejects(ntk({ ...plain, route: 'fast' as unknown as 'auto' }, x), InvalidOptionError);
  } finally {
    W.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('a function with the right values but a failing gradient for per-row parameters falls back (the probe runs the reverse pass too), no tensor left', async () => {
  const W = tf.tensor(new Rng(8).normals32(D * 2), [D, 2]);
  const x = gaussianRows(4, D, 9);
  // Its gradient has the wrong shape with per-row parameters only, as tfjs-core 4.22's broadcast BatchMatMul does.
  type Custom = Parameters<typeof tf.customGrad>[0];
  const wrongGrad = tf.customGrad(((w: tf.Tensor) => ({ value: tf.mul(w, 1), gradFunc: (dy: tf.Tensor) => tf.sum(dy, 0) })) as unknown as Custom);
  const twoForms = (p: tf.Tensor[], xt: tf.Tensor, w: (t: tf.Tensor) => tf.Tensor): tf.Tensor =>
    tf.tidy(() => (p[0].rank === 2 ? tf.tanh(tf.matMul(xt as tf.Tensor2D, p[0] as tf.Tensor2D)) : tf.tanh(tf.squeeze(tf.matMul(tf.expandDims(xt, 1), w(p[0])), [1]))));
  const good: PureModel = { apply: (p, xt) => twoForms(p, xt, (w) => w), params: [W] };
  const bad: PureModel = { apply: (p, xt) => twoForms(p, xt, (w) => wrongGrad(w)), params: [W] };
  try {
    const ref = await ntk(good, x);
    assert.match(ref.normalization, /batched reverse mode/);
    const start = tf.memory().numTensors;
    const c = await ntk(bad, x);
    // tfjs-core leaves the tensors a failed reverse pass had saved; the probe disposes them.
    assert.equal(tf.memory().numTensors, start, "tensors left by tfjs's failed reverse pass in the probe");
    assert.match(c.normalization, /auto: not batched, since its gradient fails for parameters \[2, \.\.\.shape\]/);
    assert.ok(relFrobenius(c.values, ref.values) <= 1e-6);
  } finally {
    W.dispose();
  }
});
