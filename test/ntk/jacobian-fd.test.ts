/**
 * Acceptance 1 of NTK part 2: the Jacobian method equals the explicit method on MLPs (<= 1e-4), and central
 * finite differences on tiny CNNs (<= 1e-3). The CNN reference is a float64 forward pass written here with
 * plain loops (sharing no code with src/ntk/jacobian), differentiated numerically over every weight.
 */
import { TestContext, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mlp } from '../../src/models';
import { ntk, ntkLayerwise } from '../../src/ntk';
import { Rng } from '../../src/random';
import { relFrobenius } from '../helpers/finite-differences';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

test('MLP: jacobian == explicit (<= 1e-4), every layout, symmetric and cross, per component', async (t) => {
  const net = mlp({ inputDim: 5, widths: [16, 12], outputDim: 3, activation: 'gelu', parameterization: 'standard', seed: 3 });
  try {
    const x1 = gaussianRows(9, 5, 1);
    const x2 = gaussianRows(6, 5, 2);
    for (const layout of ['trace', 'full', 'diagonal'] as const) {
      for (const other of [undefined, x2]) {
        const e = await ntkLayerwise(net, x1, other, { method: 'explicit', outputs: layout });
        const j = await ntkLayerwise(net, x1, other, { method: 'jacobian', outputs: layout });
        assert.deepEqual(j.ntk.shape, e.ntk.shape);
        const err = relFrobenius(j.ntk.values, e.ntk.values);
        t.diagnostic(`${layout}${other ? ' cross' : ''}: relative error vs explicit ${err.toExponential(2)}`);
        assert.ok(err <= 1e-4, `${layout}: ${err}`);
        assert.deepEqual(j.components.map((c) => c.label), e.components.map((c) => c.label));
        j.components.forEach((c, i) => assert.ok(relFrobenius(c.values, e.components[i].values) <= 1e-4, c.label));
        assert.match(j.ntk.backend, /jacobian/);
      }
    }
  } finally {
    net.dispose();
  }
});

test('a tf.Sequential of Dense layers: jacobian == explicit, labels <layer>/<weight>', async () => {
  const seq = tfl.sequential({
    layers: [tfl.layers.dense({ units: 8, activation: 'tanh', inputShape: [4], name: 'hidden' }), tfl.layers.dense({ units: 2, name: 'out' })],
  });
  try {
    const x = gaussianRows(7, 4, 5);
    const e = await ntk(seq, x, undefined, { method: 'explicit', outputs: 'full' });
    const j = await ntkLayerwise(seq, x, undefined, { method: 'jacobian', outputs: 'full' });
    assert.ok(relFrobenius(j.ntk.values, e.values) <= 1e-4);
    assert.deepEqual(j.components.map((c) => c.label), ['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']);
  } finally {
    seq.dispose();
  }
});

// ---- float64 reference for small CNNs -------------------------------------------------------------------

type Layer64 =
  | { kind: 'conv'; rank: 1 | 2; filters: number; kernel: number[]; strides: number[]; dilation: number[]; padding: 'same' | 'valid' | 'causal'; act: string }
  | { kind: 'pool'; rank: 1 | 2; mode: 'max' | 'avg'; size: number[]; strides: number[]; padding: 'same' | 'valid' }
  | { kind: 'global'; rank: 1 | 2; mode: 'max' | 'avg' }
  | { kind: 'flatten' }
  | { kind: 'dense'; units: number; act: string };

const ACT: Record<string, (z: number) => number> = {
  linear: (z) => z,
  tanh: Math.tanh,
  softplus: (z) => Math.log1p(Math.exp(z)),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
};

/** A value of shape [h, w, c] (1-D data: h = 1). */
interface T64 {
  h: number;
  w: number;
  c: number;
  v: Float64Array;
}

function pad(size: number, k: number, s: number, d: number, mode: string): [number, number] {
  const eff = (k - 1) * d + 1;
  if (mode === 'valid') return [Math.ceil((size - eff + 1) / s), 0];
  if (mode === 'causal') return [Math.ceil(size / s), eff - 1];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2)];
}

function forward64(layers: Layer64[], params: Float64Array[], x: T64): Float64Array {
  let t = x;
  let p = 0;
  for (const L of layers) {
    if (L.kind === 'conv' || L.kind === 'pool') {
      const [kh, kw] = L.rank === 2 ? (L.kind === 'conv' ? L.kernel : L.size) : [1, (L.kind === 'conv' ? L.kernel : L.size)[0]];
      const [sh, sw] = L.rank === 2 ? L.strides : [1, L.strides[0]];
      const [dh, dw] = L.kind === 'conv' ? (L.rank === 2 ? L.dilation : [1, L.dilation[0]]) : [1, 1];
      const [oh, pt] = pad(t.h, kh, sh, dh, L.padding);
      const [ow, pl] = pad(t.w, kw, sw, dw, L.padding);
      const co = L.kind === 'conv' ? L.filters : t.c;
      const out = new Float64Array(oh * ow * co);
      const K = L.kind === 'conv' ? params[p++] : null;
      const b = L.kind === 'conv' ? params[p++] : null;
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let o = 0; o < co; o++) {
            let acc = L.kind === 'pool' && L.mode === 'max' ? -Infinity : 0;
            let count = 0;
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * sh - pt + ky * dh;
                const ix = ox * sw - pl + kx * dw;
                if (iy < 0 || iy >= t.h || ix < 0 || ix >= t.w) continue;
                count++;
                if (L.kind === 'pool') {
                  const v = t.v[(iy * t.w + ix) * t.c + o];
                  acc = L.mode === 'max' ? Math.max(acc, v) : acc + v;
                } else {
                  for (let ci = 0; ci < t.c; ci++) acc += t.v[(iy * t.w + ix) * t.c + ci] * K![((ky * kw + kx) * t.c + ci) * co + o];
                }
              }
            out[(oy * ow + ox) * co + o] = L.kind === 'conv' ? ACT[L.act](acc + b![o]) : L.mode === 'avg' ? acc / count : acc;
          }
      t = { h: oh, w: ow, c: co, v: out };
    } else if (L.kind === 'global') {
      const out = new Float64Array(t.c).fill(L.mode === 'max' ? -Infinity : 0);
      for (let q = 0; q < t.h * t.w; q++) for (let c = 0; c < t.c; c++) out[c] = L.mode === 'max' ? Math.max(out[c], t.v[q * t.c + c]) : out[c] + t.v[q * t.c + c] / (t.h * t.w);
      t = { h: 1, w: 1, c: t.c, v: out };
    } else if (L.kind === 'flatten') {
      t = { h: 1, w: 1, c: t.v.length, v: t.v };
    } else {
      const W = params[p++];
      const b = params[p++];
      const din = t.v.length;
      const out = new Float64Array(L.units);
      for (let o = 0; o < L.units; o++) {
        let s = b[o];
        for (let i = 0; i < din; i++) s += t.v[i] * W[i * L.units + o];
        out[o] = L.act === 'softmax' ? s : ACT[L.act](s);
      }
      if (L.act === 'softmax') {
        const m = Math.max(...out);
        const e = out.map((z) => Math.exp(z - m));
        const sum = e.reduce((a, c) => a + c, 0);
        e.forEach((v, i) => (out[i] = v / sum));
      }
      t = { h: 1, w: 1, c: L.units, v: out };
    }
  }
  return t.v;
}

function tfLayer(L: Layer64, inputShape?: number[]): tfl.layers.Layer {
  const first = inputShape ? { inputShape } : {};
  if (L.kind === 'conv') {
    const args = { filters: L.filters, kernelSize: L.kernel, strides: L.strides, dilationRate: L.dilation, padding: L.padding, activation: L.act as 'tanh', ...first };
    return L.rank === 2 ? tfl.layers.conv2d(args as never) : tfl.layers.conv1d({ ...args, kernelSize: L.kernel[0], strides: L.strides[0], dilationRate: L.dilation[0] });
  }
  if (L.kind === 'pool') {
    const args = { poolSize: L.size, strides: L.strides, padding: L.padding, ...first };
    if (L.rank === 2) return L.mode === 'max' ? tfl.layers.maxPooling2d(args as never) : tfl.layers.averagePooling2d(args as never);
    const a1 = { poolSize: L.size[0], strides: L.strides[0], padding: L.padding, ...first };
    return L.mode === 'max' ? tfl.layers.maxPooling1d(a1) : tfl.layers.averagePooling1d(a1);
  }
  if (L.kind === 'global' && L.rank === 2) return L.mode === 'max' ? tfl.layers.globalMaxPooling2d(first as never) : tfl.layers.globalAveragePooling2d(first as never);
  if (L.kind === 'global') return L.mode === 'max' ? tfl.layers.globalMaxPooling1d(first) : tfl.layers.globalAveragePooling1d(first);
  if (L.kind === 'flatten') return tfl.layers.flatten(first);
  return tfl.layers.dense({ units: L.units, activation: L.act as 'tanh', ...first });
}

/** Full-layout NTK (n k) x (n k) of the float64 reference by central differences over every weight. */
function fdNtk(layers: Layer64[], params: Float64Array[], xs: T64[], k: number, step = 1e-5): Float64Array {
  const n = xs.length;
  const jac = xs.map(() => [] as number[][]); // jac[i][a] = gradient row over all params
  for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) jac[i].push([]);
  for (const theta of params) {
    for (let q = 0; q < theta.length; q++) {
      const keep = theta[q];
      for (let i = 0; i < n; i++) {
        theta[q] = keep + step;
        const up = forward64(layers, params, xs[i]);
        theta[q] = keep - step;
        const down = forward64(layers, params, xs[i]);
        theta[q] = keep;
        for (let a = 0; a < k; a++) jac[i][a].push((up[a] - down[a]) / (2 * step));
      }
    }
  }
  const out = new Float64Array(n * k * n * k);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < k; a++)
      for (let j = 0; j < n; j++)
        for (let b = 0; b < k; b++) out[(i * k + a) * n * k + j * k + b] = jac[i][a].reduce((s, v, q) => s + v * jac[j][b][q], 0);
  return out;
}

async function checkCnn(t: TestContext, name: string, inShape: number[], layers: Layer64[], k: number): Promise<void> {
  const model = tfl.sequential({ layers: layers.map((L, i) => tfLayer(L, i === 0 ? inShape : undefined)) });
  try {
    // Weights of a moderate scale so that tanh is neither linear nor saturated.
    const rng = new Rng(11);
    const weights = model.getWeights().map((w) => rng.normals32(w.size, 0.5));
    const fresh = model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape));
    model.setWeights(fresh);
    tf.dispose(fresh);
    const params = weights.map((w) => Float64Array.from(w));
    const n = 4;
    const size = inShape.reduce((a, b) => a * b, 1);
    const flat = Float32Array.from(new Rng(12).normals32(n * size));
    const xs: T64[] = Array.from({ length: n }, (_, i) => ({
      h: inShape.length === 3 ? inShape[0] : 1,
      w: inShape.length === 3 ? inShape[1] : inShape[0],
      c: inShape[inShape.length - 1],
      v: Float64Array.from(flat.subarray(i * size, (i + 1) * size)),
    }));
    const ref = fdNtk(layers, params, xs, k);
    const x = tf.tensor(flat, [n, ...inShape]);
    try {
      const K = await ntk(model, x, undefined, { method: 'jacobian', outputs: 'full' });
      assert.deepEqual(K.shape, [n * k, n * k]);
      const err = relFrobenius(K.values, ref);
      t.diagnostic(`${name}: relative Frobenius error vs finite differences ${err.toExponential(2)}`);
      assert.ok(err <= 1e-3, `${name}: ${err}`);
    } finally {
      x.dispose();
    }
  } finally {
    model.dispose();
  }
}

test('tiny CNN (conv2d same + max pool + dense) == central finite differences (<= 1e-3)', async (t) => {
  await checkCnn(t, 'conv2d', [6, 6, 2], [
    { kind: 'conv', rank: 2, filters: 3, kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same', act: 'tanh' },
    { kind: 'pool', rank: 2, mode: 'max', size: [2, 2], strides: [2, 2], padding: 'valid' },
    { kind: 'conv', rank: 2, filters: 2, kernel: [2, 2], strides: [1, 1], dilation: [1, 1], padding: 'valid', act: 'softplus' },
    { kind: 'flatten' },
    { kind: 'dense', units: 2, act: 'linear' },
  ], 2);
});

test('tiny CNN (strided conv2d valid + avg pool same + softmax dense) == finite differences', async (t) => {
  await checkCnn(t, 'strided', [7, 7, 1], [
    { kind: 'conv', rank: 2, filters: 3, kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'valid', act: 'sigmoid' },
    { kind: 'pool', rank: 2, mode: 'avg', size: [2, 2], strides: [2, 2], padding: 'same' },
    { kind: 'flatten' },
    { kind: 'dense', units: 3, act: 'softmax' },
  ], 3);
});

test('tiny 1-D CNN (causal dilated conv1d + global pooling + dense) == finite differences', async (t) => {
  await checkCnn(t, 'conv1d', [9, 2], [
    { kind: 'conv', rank: 1, filters: 3, kernel: [3], strides: [1], dilation: [2], padding: 'causal', act: 'tanh' },
    { kind: 'pool', rank: 1, mode: 'max', size: [2], strides: [2], padding: 'same' },
    { kind: 'global', rank: 1, mode: 'avg' },
    { kind: 'dense', units: 2, act: 'linear' },
  ], 2);
});

test('tiny CNN (conv2d + global max pooling, and + global average pooling) == finite differences', async (t) => {
  for (const mode of ['max', 'avg'] as const) {
    await checkCnn(t, `global ${mode}`, [5, 5, 2], [
      { kind: 'conv', rank: 2, filters: 3, kernel: [2, 2], strides: [1, 1], dilation: [1, 1], padding: 'valid', act: 'tanh' },
      { kind: 'global', rank: 2, mode },
      { kind: 'dense', units: 2, act: 'linear' },
    ], 2);
  }
});
