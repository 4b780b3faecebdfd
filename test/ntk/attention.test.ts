/**
 * The self-attention block (src/models/attention.ts) as a pure function under ntk() (issue 19 item 4): it takes the
 * batched pure route, and its NTK matches (a) a JAX float64 fixture (test/fixtures/jacobian-attention/, made by
 * test/fixtures/make_jacobian_fixtures.py with the same weights, jax.jacrev) per component in the full, trace and
 * diagonal layouts, symmetric and cross, and (b) central finite differences of a float64 loop implementation
 * written here, to 1e-5 relative; tensors back to their start.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '../../src/errors';
import { selfAttention } from '../../src/models';
import { ntk, ntkLayerwise, ntkVp } from '../../src/ntk';
import { Rng } from '../../src/random';
import { relFrobenius } from '../helpers/finite-differences';
import { type Values, assertAllMatchFixture, kernelTimes, loadFixture, withFixtureModel } from '../helpers/jacobian-fixtures';
import { setupBackend } from '../helpers/setup';

const fx = loadFixture('jacobian-attention/self_attention_k2.json');
const T = fx.x1.shape[1];
const D = fx.x1.shape[2];
const H = fx.weights.query.shape[1];

/** The block with the fixture's weights (its own initial weights disposed). */
function build(): ReturnType<typeof selfAttention> {
  const net = selfAttention({ dim: D, headDim: H, outputDim: fx.k, seed: 3 });
  net.params.forEach((p, t) => {
    const ref = fx.weights[net.paramLabels[t]];
    assert.deepEqual(ref.shape, p.shape, net.paramLabels[t]);
    p.dispose();
    net.params[t] = tf.tensor(ref.values, ref.shape);
  });
  return net;
}

/** f(x) of one example [T, D] in float64 by loops (no tfjs): the block as documented in attention.ts. */
function forward64(p: Float64Array[], x: ArrayLike<number>, k: number): Float64Array {
  const [wq, wk, wv, wo, wr, br] = p;
  const proj = (w: Float64Array): Float64Array => {
    const out = new Float64Array(T * H);
    for (let t = 0; t < T; t++) for (let c = 0; c < H; c++) for (let i = 0; i < D; i++) out[t * H + c] += x[t * D + i] * w[i * H + c];
    return out;
  };
  const q = proj(wq);
  const kk = proj(wk);
  const v = proj(wv);
  const pooled = new Float64Array(D);
  for (let t = 0; t < T; t++) {
    const s = new Float64Array(T);
    let max = -Infinity;
    for (let u = 0; u < T; u++) {
      for (let c = 0; c < H; c++) s[u] += q[t * H + c] * kk[u * H + c];
      s[u] /= Math.sqrt(H);
      max = Math.max(max, s[u]);
    }
    let z = 0;
    for (let u = 0; u < T; u++) z += (s[u] = Math.exp(s[u] - max));
    const av = new Float64Array(H);
    for (let u = 0; u < T; u++) for (let c = 0; c < H; c++) av[c] += (s[u] / z) * v[u * H + c];
    for (let i = 0; i < D; i++) {
      let o = x[t * D + i];
      for (let c = 0; c < H; c++) o += av[c] * wo[c * D + i];
      pooled[i] += o / T;
    }
  }
  const y = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    y[a] = br[a];
    for (let i = 0; i < D; i++) y[a] += pooled[i] * wr[i * k + a];
  }
  return y;
}

/** Central-difference Jacobians jac[t][i] = d f(x_i) / d theta_t, (k x P_t) row-major, float64. */
function fdJacobians(xs: Values, k: number, step = 1e-6): Float64Array[][] {
  const labels = ['query', 'key', 'value', 'output', 'readout/kernel', 'readout/bias'];
  const params = labels.map((l) => Float64Array.from(fx.weights[l].values));
  const n = xs.shape[0];
  const size = T * D;
  return params.map((theta) =>
    Array.from({ length: n }, (_, i) => {
      const x = xs.values.slice(i * size, (i + 1) * size);
      const jac = new Float64Array(k * theta.length);
      for (let q = 0; q < theta.length; q++) {
        const keep = theta[q];
        theta[q] = keep + step;
        const up = forward64(params, x, k);
        theta[q] = keep - step;
        const down = forward64(params, x, k);
        theta[q] = keep;
        for (let a = 0; a < k; a++) jac[a * theta.length + q] = (up[a] - down[a]) / (2 * step);
      }
      return jac;
    }),
  );
}

before(setupBackend);

test('attention: NTK and every component within 1e-5 of JAX float64 (full/trace/diagonal, symmetric and cross), by the batched route; ntkVp = K v', async (t) => {
  await withFixtureModel(fx, build, async (net, x1, x2) => {
    await assertAllMatchFixture(t, fx, x2, ['full', 'trace', 'diagonal'], 1e-5, async (other, layout) => {
      const r = await ntkLayerwise(net, x1, other, { outputs: layout });
      assert.match(r.ntk.normalization, /batched reverse mode/);
      assert.deepEqual(r.components.map((c) => c.label), net.paramLabels);
      return r;
    }, 'vs JAX');
    const nk = fx.x1.shape[0] * fx.k;
    const full = await ntk(net, x1, undefined, { outputs: 'full' });
    const v = new Rng(9).normals32(nk);
    assert.ok(relFrobenius(await ntkVp(net, x1, v), kernelTimes(full.values, v, nk)) <= 1e-5);
  });
});

test('attention: every component within 1e-5 of central finite differences of a float64 loop implementation (cross kernel)', async (t) => {
  await withFixtureModel(fx, build, async (net, x1, x2) => {
    const k = fx.k;
    const j1 = fdJacobians(fx.x1, k);
    const j2 = fdJacobians(fx.x2, k);
    const r = await ntkLayerwise(net, x1, x2, { outputs: 'full' });
    let worst = 0;
    r.components.forEach((c, ti) => {
      const n1 = j1[ti].length;
      const n2 = j2[ti].length;
      const P = j1[ti][0].length / k;
      const ref = new Float64Array(n1 * k * n2 * k);
      for (let i = 0; i < n1; i++)
        for (let a = 0; a < k; a++)
          for (let j = 0; j < n2; j++)
            for (let b = 0; b < k; b++) {
              let s = 0;
              for (let q = 0; q < P; q++) s += j1[ti][i][a * P + q] * j2[ti][j][b * P + q];
              ref[(i * k + a) * n2 * k + j * k + b] = s;
            }
      const e = relFrobenius(c.values, ref);
      worst = Math.max(worst, e);
      assert.ok(e <= 1e-5, `${c.label}: ${e}`);
    });
    t.diagnostic(`worst component relative error vs finite differences ${worst.toExponential(2)}`);
  });
});

test('attention: without the residual it still matches the per-example route; bad options and inputs are refused', async () => {
  const start = tf.memory().numTensors;
  const net = selfAttention({ dim: 3, headDim: 2, outputDim: 1, residual: false, seed: 4 });
  const x = tf.randomNormal([4, 6, 3], 0, 1, 'float32', 1);
  try {
    const a = await ntk(net, x);
    const b = await ntk({ ...net, route: 'per-example' }, x);
    assert.match(a.normalization, /batched reverse mode/);
    assert.match(b.normalization, /per example and output/);
    assert.ok(relFrobenius(a.values, b.values) <= 1e-5);
    assert.throws(() => selfAttention({ dim: 0 }), InvalidOptionError);
    assert.throws(() => selfAttention({ dim: 3, headDim: 1.5 }), InvalidOptionError);
    const flat = tf.zeros([2, 5]);
    await assert.rejects(ntk(net, flat), /selfAttention: expected x \[n, T, 3\]/);
    flat.dispose();
  } finally {
    net.dispose();
    x.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});
