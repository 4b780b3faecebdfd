/**
 * ntkLimit / nngpLimit / ckLimit as an API: the output layouts in ntk()'s conventions (checked against ntk() of a
 * wide network, where a wrong factor k or a wrong block would be off by 100% or more), cross-kernels (x1 vs x2
 * against x2 vs x1, and against the symmetric path), float64 values, closed forms (linear networks, one relu layer),
 * and the refusals.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError, ShapeError, UnsupportedModelError } from '../../src/errors';
import { Mlp, mlp, twoLayer } from '../../src/models';
import { ntk } from '../../src/ntk';
import { kernelRidge } from '../../src/predict';
import { Rng } from '../../src/random';
import { LimitKernel, ckLimit, infiniteWidthKernels, limitLayers, nngpLimit, ntkLimit } from '../../src/theory';
import { setupBackend } from '../helpers/setup';
import { relFrobenius } from '../helpers/finite-differences';

before(setupBackend);

const D = 6;
const rng = new Rng(77);
const x1 = { rows: 9, cols: D, data: rng.normals32(9 * D) };
const x2 = { rows: 7, cols: D, data: rng.normals32(7 * D) };


test("layouts follow ntk()'s: a 3-output network of width 2048 is within 6% of the limit in 'trace', 'full' and 'diagonal'", async () => {
  const net = mlp({ inputDim: D, widths: [2048], outputDim: 3, activation: 'erf', seed: 4 });
  try {
    for (const layout of ['trace', 'full', 'diagonal'] as const) {
      const K = await ntk(net, x1, x2, { outputs: layout });
      const L = ntkLimit(net, x1, x2, { outputs: layout });
      assert.deepEqual(L.shape, K.shape, layout);
      assert.equal(L.layout, layout);
      assert.equal(L.outputs, 3);
      const e = relFrobenius(K.values, L.float64());
      assert.ok(e < 0.06, `${layout}: relative error ${e}`);
    }
    const all = infiniteWidthKernels(net, x1, x2);
    const T = all.ntk[all.ntk.length - 1];
    assert.ok(relFrobenius(ntkLimit(net, x1, x2).float64(), T.map((v) => 3 * v)) < 1e-15, "'trace' is the sum over the 3 outputs");
    const F = ntkLimit(net, x1, x2, { outputs: 'full' });
    const G = ntkLimit(net, x1, x2, { outputs: 'diagonal' });
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 7; j++) {
        for (let a = 0; a < 3; a++) {
          assert.equal(G.get(i, j, a), T[i * 7 + j]);
          for (let b = 0; b < 3; b++) assert.equal(F.get(i * 3 + a, j * 3 + b), a === b ? T[i * 7 + j] : 0);
        }
      }
    }
  } finally {
    net.dispose();
  }
});

test('cross-kernels: K(x1, x2) = K(x2, x1)^T, and K(x1, x1) by the cross path equals the symmetric one', () => {
  for (const activation of ['tanh', 'relu', 'softplus'] as const) {
    const net = mlp({ inputDim: D, widths: [16, 16], activation, biasStd: 0.4, seed: 1 });
    try {
      for (const f of [ntkLimit, nngpLimit, ckLimit]) {
        const a = f(net, x1, x2).float64();
        const b = f(net, x2, x1).float64();
        for (let i = 0; i < 9; i++) for (let j = 0; j < 7; j++) assert.ok(Math.abs(a[i * 7 + j] - b[j * 9 + i]) <= 1e-13 * Math.abs(a[i * 7 + j]) + 1e-16);
        const sym = f(net, x1);
        assert.ok(sym.symmetric);
        const cross = f(net, x1, { rows: 9, cols: D, data: Float64Array.from(x1.data) });
        assert.ok(!cross.symmetric);
        assert.ok(relFrobenius(cross.float64(), sym.float64()) < 1e-13, `${activation} ${f.name}`);
      }
    } finally {
      net.dispose();
    }
  }
});

test('values are float64 (float32 values are their rounding), and kernelRidge solves with the float64 ones', async () => {
  const net = mlp({ inputDim: D, widths: [8], activation: 'gelu', seed: 2 });
  try {
    const K = ntkLimit(net, x1);
    assert.ok(K instanceof LimitKernel);
    const d = K.float64();
    assert.deepEqual(K.values, Float32Array.from(d));
    assert.ok(d.some((v) => Math.fround(v) !== v), 'no value has more than float32 precision');
    assert.equal(K.get(2, 3), d[2 * 9 + 3]);
    let tr = 0;
    for (let i = 0; i < 9; i++) tr += d[i * 9 + i];
    assert.equal(K.trace(), tr);
    const y = Float64Array.from({ length: 9 }, (_, i) => Math.sin(i));
    const viaKernel = await kernelRidge(K, y, K, 1e-9);
    const viaMatrix = await kernelRidge({ rows: 9, cols: 9, data: d }, y, { rows: 9, cols: 9, data: d }, 1e-9);
    assert.ok(relFrobenius(viaKernel.data, viaMatrix.data) < 1e-12);
  } finally {
    net.dispose();
  }
});

test('closed forms: linear networks (Theta = (L+1) sw^(2(L+1)) x.x\'/d0 without biases) and one relu layer (Jacot et al.)', () => {
  for (const depth of [0, 1, 3]) {
    const sw = 1.3;
    const net = mlp({ inputDim: D, widths: Array<number>(depth).fill(5), activation: 'linear', weightStd: sw, bias: false });
    try {
      const T = ntkLimit(net, x1, x2).float64();
      const S = nngpLimit(net, x1, x2).float64();
      for (let i = 0; i < 9; i++) {
        for (let j = 0; j < 7; j++) {
          let dot = 0;
          for (let t = 0; t < D; t++) dot += x1.data[i * D + t] * x2.data[j * D + t];
          const g = dot / D;
          assert.ok(Math.abs(T[i * 7 + j] - (depth + 1) * sw ** (2 * (depth + 1)) * g) < 1e-13, `depth ${depth} ntk`);
          assert.ok(Math.abs(S[i * 7 + j] - sw ** (2 * (depth + 1)) * g) < 1e-13, `depth ${depth} nngp`);
        }
      }
    } finally {
      net.dispose();
    }
  }
  // One relu layer, sw = 1, no biases: Theta = |x||x'| / d0 (sin t + (pi - t) cos t) / (2 pi) + (pi - t) / (2 pi) x.x' / d0.
  const net = mlp({ inputDim: D, widths: [5], activation: 'relu', bias: false });
  try {
    const T = ntkLimit(net, x1, x2).float64();
    for (let i = 0; i < 9; i++) {
      for (let j = 0; j < 7; j++) {
        let dot = 0;
        let n1 = 0;
        let n2 = 0;
        for (let t = 0; t < D; t++) {
          dot += x1.data[i * D + t] * x2.data[j * D + t];
          n1 += x1.data[i * D + t] ** 2;
          n2 += x2.data[j * D + t] ** 2;
        }
        const th = Math.acos(dot / Math.sqrt(n1 * n2));
        const want = (Math.sqrt(n1 * n2) / D) * (Math.sin(th) + (Math.PI - th) * Math.cos(th)) / (2 * Math.PI) + ((Math.PI - th) / (2 * Math.PI)) * (dot / D);
        assert.ok(Math.abs(T[i * 7 + j] - want) < 1e-13 * Math.abs(want) + 1e-15);
      }
    }
  } finally {
    net.dispose();
  }
});

test("the standard parameterisation's limit grows with the widths (n_{l-1} K_{l-1}); the NTK parameterisation's does not", () => {
  const make = (w: number, parameterization: 'ntk' | 'standard'): number[] => {
    const net = mlp({ inputDim: D, widths: [w, w], activation: 'tanh', parameterization });
    try {
      return Array.from(ntkLimit(net, x1).float64());
    } finally {
      net.dispose();
    }
  };
  // Equal up to the rounding of (sw / sqrt(n))^2 n.
  assert.ok(relFrobenius(make(10, 'ntk'), make(1000, 'ntk')) < 1e-14);
  const small = make(10, 'standard');
  const big = make(1000, 'standard');
  assert.ok(big[0] / small[0] > 50, `${big[0]} vs ${small[0]}`);
});

test('twoLayer has a limit; an Mlp without initial variances, a plain tf model, a nonlinear output and bad options are refused', () => {
  const tl = twoLayer({ d: D, N: 50, activation: 'tanh' });
  try {
    assert.deepEqual(ntkLimit(tl, x1).shape, [9, 9]);
  } finally {
    tl.dispose();
  }
  const layers = [
    { inDim: D, outDim: 4, weightMultiplier: 1, biasMultiplier: 1, bias: false, activation: 'tanh' as const },
    { inDim: 4, outDim: 1, weightMultiplier: 1, biasMultiplier: 1, bias: false, activation: 'linear' as const },
  ];
  const byHand = new Mlp(layers, [{ W: new Float32Array(D * 4), b: null }, { W: new Float32Array(4), b: null }], 'by hand');
  try {
    assert.throws(() => ntkLimit(byHand, x1), UnsupportedModelError);
  } finally {
    byHand.dispose();
  }
  const seq = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [D] })] });
  assert.throws(() => nngpLimit(seq, x1), UnsupportedModelError);
  seq.dispose();
  const withVariances = layers.map((l) => ({ ...l, weightVariance: 1 / l.inDim, biasVariance: 0 }));
  assert.deepEqual(ntkLimit(withVariances, x1).shape, [9, 9]);
  assert.throws(() => ntkLimit([{ ...withVariances[0], activation: 'tanh' }], x1), UnsupportedModelError);
  assert.throws(() => ntkLimit([withVariances[0], { ...withVariances[1], inDim: 5 }], x1), InvalidOptionError);
  assert.throws(() => ntkLimit([{ ...withVariances[0], weightVariance: -1 }, withVariances[1]], x1), InvalidOptionError);
  const net = mlp({ inputDim: D, widths: [4] });
  try {
    assert.throws(() => ntkLimit(net, x1, undefined, { outputs: 'sum' as never }), InvalidOptionError);
    assert.throws(() => ntkLimit(net, { rows: 2, cols: D + 1, data: new Float64Array(2 * (D + 1)) }), ShapeError);
    assert.throws(() => ntkLimit(net, [[1, 2, 3]]), ShapeError);
    assert.throws(() => ckLimit(net, x1, undefined, { layer: 2 }), InvalidOptionError);
    assert.deepEqual(Array.from(ckLimit(net, x1, undefined, { layer: 0 }).float64().slice(0, 1)), [infiniteWidthKernels(net, x1).ck[0][0]]);
    assert.equal(limitLayers(net).length, 2);
    const t = tf.tensor2d(Array.from(x1.data), [9, D]);
    assert.ok(relFrobenius(ntkLimit(net, t).float64(), ntkLimit(net, x1).float64()) < 1e-15);
    t.dispose();
  } finally {
    net.dispose();
  }
});
