/**
 * Acceptance 1: the analytic first-layer gradient G0 = -(1/n) X^T [(1/sqrt N)(r a^T) o sigma'(X W0)] equals
 * (a) tfjs autodiff of the loss (1/n) sum (1/2)(f(x_i) - y_i)^2 on the same twoLayer model, within 1e-5 relative
 *     (tfjs computes in float32); and tfjs' meanSquaredError, which has no 1/2, gives exactly twice the gradient;
 * (b) central finite differences of the same loss in float64 on a tiny instance, within 1e-4 relative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { firstLayerGradient, initialStudent, type Student } from '../../src/feature-learning';
import { activation, type ActivationName } from '../../src/models/activations';
import { twoLayer } from '../../src/models/two-layer';
import { Rng } from '../../src/random';
import { setupBackend } from '../helpers/setup';

/** max |a - b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Inputs and labels that float32 represents exactly, so tfjs and float64 see the same numbers. */
function problem(n: number, d: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  return { x: rng.normals32(n * d), y: rng.normals32(n, 0.5) };
}

/** The loss (1/n) sum (1/2)(f(x_i) - y_i)^2 in float64 by plain loops, for finite differences. */
function loss64(s: Student, W: Float64Array, x: Float64Array, y: Float64Array): number {
  const { d, N, a } = s;
  const f = activation(s.activation).f;
  const n = y.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    let out = 0;
    for (let j = 0; j < N; j++) {
      let z = 0;
      for (let k = 0; k < d; k++) z += x[i * d + k] * W[k * N + j];
      out += a[j] * f(z);
    }
    const r = out / Math.sqrt(N) - y[i];
    total += 0.5 * r * r;
  }
  return total / n;
}

const CASES: { act: ActivationName; n: number; d: number; N: number }[] = [
  { act: 'tanh', n: 37, d: 12, N: 24 },
  { act: 'erf', n: 50, d: 16, N: 32 },
  { act: 'softplus', n: 20, d: 8, N: 40 },
  { act: 'relu', n: 30, d: 10, N: 16 },
];

for (const { act, n, d, N } of CASES) {
  test(`G0 (${act}, n = ${n}, d = ${d}, N = ${N}) equals -tf.grad of (1/n) sum (1/2)(f - y)^2 within 1e-5, and -tf.grad(meanSquaredError) / 2`, async (t) => {
    await setupBackend();
    const seed = 11;
    const { x, y } = problem(n, d, 5);
    const student = await initialStudent({ d, N, activation: act, seed });
    const { G0 } = await firstLayerGradient(student, { rows: n, cols: d, data: Float64Array.from(x) }, Float64Array.from(y));
    const net = twoLayer({ d, N, activation: act, seed });
    try {
      const [, aVar] = net.params;
      const xt = tf.tensor2d(x, [n, d]);
      const yt = tf.tensor2d(y, [n, 1]);
      const halfMse = (W: tf.Tensor): tf.Scalar => tf.div(tf.sum(tf.square(tf.sub(net.apply([W, aVar], xt), yt))), 2 * n);
      const mse = (W: tf.Tensor): tf.Scalar => tf.losses.meanSquaredError(yt, net.apply([W, aVar], xt)) as tf.Scalar;
      const g = tf.grad(halfMse)(net.params[0]);
      const g2 = tf.grad(mse)(net.params[0]);
      const neg = Float64Array.from(g.dataSync(), (v) => -v);
      const negHalf = Float64Array.from(g2.dataSync(), (v) => -v / 2);
      tf.dispose([xt, yt, g, g2]);
      const err = relErr(neg, G0.data);
      t.diagnostic(`max |G0 + tf.grad| / max |G0| = ${err.toExponential(2)}`);
      assert.ok(err <= 1e-5, `autodiff vs analytic: ${err}`);
      assert.ok(relErr(negHalf, G0.data) <= 1e-5, 'meanSquaredError has no 1/2: its gradient is twice ours');
    } finally {
      net.dispose();
    }
  });
}

for (const act of ['tanh', 'erf', 'sigmoid'] as const) {
  test(`G0 (${act}) equals central finite differences of the float64 loss within 1e-4 (d = 3, N = 4, n = 5)`, async (t) => {
    const n = 5, d = 3, N = 4;
    const student = await initialStudent({ d, N, activation: act, seed: 2 });
    const x = new Rng(9).normals64(n * d);
    const y = new Rng(10).normals64(n);
    const { G0, loss } = await firstLayerGradient(student, { rows: n, cols: d, data: x }, y);
    const W = Float64Array.from(student.W0.data);
    assert.ok(Math.abs(loss - loss64(student, W, x, y)) <= 1e-14, 'the reported loss is L(W0)');
    const h = 1e-5;
    const fd = new Float64Array(d * N);
    for (let q = 0; q < W.length; q++) {
      const keep = W[q];
      W[q] = keep + h;
      const up = loss64(student, W, x, y);
      W[q] = keep - h;
      const down = loss64(student, W, x, y);
      W[q] = keep;
      fd[q] = -(up - down) / (2 * h); // G0 is minus the gradient
    }
    const err = relErr(G0.data, fd);
    t.diagnostic(`max |G0 - fd| / max |fd| = ${err.toExponential(2)}`);
    assert.ok(err <= 1e-4, `finite differences vs analytic: ${err}`);
  });
}
