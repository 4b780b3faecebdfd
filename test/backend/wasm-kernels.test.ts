/**
 * The gradient kernels ntk-lab provides for tfjs-backend-wasm (src/backend/wasm-kernels): each kernel on wasm against
 * the same kernel on tfjs-backend-cpu over strides, 'same'/'valid'/numeric/explicit pads, NHWC/NCHW, channel multipliers
 * and band sizes, on OpenBLAS and on the TypeScript GEMM; each against the adjoint of wasm's own forward op (another
 * implementation: XNNPACK), dilated depthwise included; the gradients of a tiny conv net (strided conv2d, depthwise,
 * conv2dTranspose, embedding) against central finite differences of a float64 forward written here; every layer
 * train() knows differentiates on wasm; bad input refused by name; tensors freed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/backend';
import { registerWasmGradientKernels, WASM_GRADIENT_KERNELS } from '../../src/backend/wasm-kernels';
import { PATCH_LIMITS } from '../../src/backend/wasm-kernels/conv2d-backprop-filter';
import { GEMM_LIMITS, gemmRoute } from '../../src/backend/wasm-kernels/gemm';
import { BackendUnavailableError, InvalidOptionError, MemoryBudgetError, ShapeError, UnsupportedModelError } from '../../src/errors';
import { addonAvailable, selectImplementation } from '../../src/linalg/backend';
import { Rng } from '../../src/random';
import { train } from '../../src/training';
import { checkGradientKernels } from '../../src/training/gradient-kernels';
import { relFrobenius } from '../helpers/finite-differences';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Arr { data: Float32Array | Int32Array; shape: number[] }

const rng = new Rng(19);
const randn = (shape: number[]): Arr => ({ data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape });
type Route = 'openblas' | 'wasm' | 'typescript';
const ROUTES: Route[] = addonAvailable() ? ['openblas', 'wasm', 'typescript'] : ['wasm', 'typescript'];
const keepMin = GEMM_LIMITS.wasmMinMuladds;

/** Sends the filter gradient's GEMM down `route`: the addon, or without it wasm's BatchMatMul or TypeScript at any size. */
function selectRoute(route: Route | undefined): void {
  selectImplementation(route === undefined ? undefined : route === 'openblas' ? 'openblas' : 'fallback');
  GEMM_LIMITS.wasmMinMuladds = route === 'wasm' ? 0 : route === 'typescript' ? Infinity : keepMin;
  if (route) assert.equal(gemmRoute(2, 2, 2), route);
}

before(async () => {
  await useBackend('wasm');
});
after(() => selectRoute(undefined));

/** Runs kernel `name` on the active backend and returns its values (every tensor made here is freed). */
function runKernel(name: string, inputs: Record<string, Arr>, attrs: tf.NamedAttrMap): { data: Float32Array; shape: number[] } {
  const ts: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.data, v.shape, v.data instanceof Int32Array ? 'int32' : 'float32');
  try {
    const out = tf.engine().runKernel(name, ts, attrs) as tf.Tensor;
    const r = { data: Float32Array.from(out.dataSync()), shape: out.shape };
    out.dispose();
    return r;
  } finally {
    tf.dispose(Object.values(ts));
  }
}

/** The same kernel on wasm and on cpu (the reference), wasm left active. */
async function wasmAndCpu(name: string, inputs: Record<string, Arr>, attrs: tf.NamedAttrMap): Promise<[Float32Array, Float32Array]> {
  const w = runKernel(name, inputs, attrs);
  await useBackend('cpu');
  try {
    const c = runKernel(name, inputs, attrs);
    assert.deepEqual(w.shape, c.shape, `${name}: shape`);
    return [w.data, c.data];
  } finally {
    await useBackend('wasm');
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
const norm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));

/** <f(u), v> against <u, f*(v)>, relative to |f(u)| |v| (an adjoint pair agrees to float32 rounding). */
function assertAdjoint(fu: ArrayLike<number>, v: ArrayLike<number>, u: ArrayLike<number>, fv: ArrayLike<number>, what: string): void {
  const lhs = dot(fu, v);
  const rhs = dot(u, fv);
  const rel = Math.abs(lhs - rhs) / (norm(fu) * norm(v));
  assert.ok(rel < 1e-5, `${what}: <f u, v> = ${lhs}, <u, f* v> = ${rhs} (rel ${rel.toExponential(2)})`);
}

/** The output shape of a conv (or depthwise conv) of x by a filter, from tfjs's own shape rule. */
function outShape(x: number[], f: number[], strides: number | [number, number], pad: Pad, depthwise: boolean, format: 'NHWC' | 'NCHW' = 'NHWC', dil: number | [number, number] = 1, rounding?: 'floor'): number[] {
  const info = tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number], f as [number, number, number, number], strides, dil, pad, rounding, depthwise, format === 'NHWC' ? 'channelsLast' : 'channelsFirst',
  );
  return info.outShape;
}

describe('Conv2DBackpropFilter on wasm', () => {
  const cases: { x: number[]; f: number[]; strides: number | [number, number]; pad: Pad; format?: 'NHWC' | 'NCHW'; rounding?: 'floor' }[] = [
    { x: [3, 7, 6, 2], f: [3, 3, 2, 4], strides: 1, pad: 'valid' },
    { x: [2, 9, 8, 3], f: [3, 2, 3, 5], strides: [2, 3], pad: 'same' },
    { x: [2, 6, 7, 3], f: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
    { x: [2, 8, 8, 2], f: [3, 3, 2, 3], strides: 2, pad: 1, rounding: 'floor' },
    { x: [2, 3, 7, 6], f: [3, 3, 3, 4], strides: 2, pad: 'same', format: 'NCHW' },
    { x: [4, 5, 5, 6], f: [1, 1, 6, 3], strides: 1, pad: 'valid' },
    { x: [2, 1, 9, 4], f: [1, 3, 4, 2], strides: [1, 2], pad: 'same' },
  ];

  it('equals tfjs-backend-cpu (1e-5) over strides, pads, formats, GEMMs (OpenBLAS, wasm BatchMatMul, TypeScript), in one band or many', async () => {
    const start = tf.memory().numTensors;
    const heap = tf.backend().numDataIds(); // the wasm GEMM route's heap copies must be freed too
    const keep = PATCH_LIMITS.floats;
    try {
      for (const c of cases) {
        const x = randn(c.x);
        const dy = randn(outShape(c.x, c.f, c.strides, c.pad, false, c.format, 1, c.rounding));
        const attrs = { strides: c.strides, pad: c.pad, dataFormat: c.format ?? 'NHWC', dimRoundingMode: c.rounding, filterShape: c.f } as unknown as tf.NamedAttrMap;
        for (const impl of ROUTES) {
          selectRoute(impl);
          // Default band (the whole batch here), a band of one output row (cut inside examples), and bands across examples.
          for (const floats of [keep, 1, 300]) {
            PATCH_LIMITS.floats = floats;
            const [w, ref] = await wasmAndCpu('Conv2DBackpropFilter', { x, dy }, attrs);
            const err = relFrobenius(w, ref);
            assert.ok(norm(ref) > 1 && err < 1e-5, `${JSON.stringify(c)} ${impl} band ${floats}: rel ${err.toExponential(2)}`);
          }
          PATCH_LIMITS.floats = keep;
        }
      }
    } finally {
      PATCH_LIMITS.floats = keep;
      selectRoute(undefined);
    }
    assert.equal(tf.memory().numTensors, start);
    assert.equal(tf.backend().numDataIds(), heap);
  });

  it("is the adjoint of wasm's own Conv2D in the filter: <conv(x, w), dy> = <w, dW(x, dy)>", () => {
    const start = tf.memory().numTensors;
    for (const c of cases.filter((c) => c.format !== 'NCHW')) {
      const x = randn(c.x);
      const w = randn(c.f);
      const dy = randn(outShape(c.x, c.f, c.strides, c.pad, false, 'NHWC', 1, c.rounding));
      const y = runKernel('Conv2D', { x, filter: w }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: 1, dimRoundingMode: c.rounding } as unknown as tf.NamedAttrMap);
      const dW = runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.rounding, filterShape: c.f } as unknown as tf.NamedAttrMap);
      assertAdjoint(y.data, dy.data, w.data, dW.data, JSON.stringify(c));
    }
    assert.equal(tf.memory().numTensors, start);
  });
});

describe('depthwise gradients on wasm', () => {
  const cases: { x: number[]; f: number[]; strides: number | [number, number]; pad: Pad; dil?: number }[] = [
    { x: [2, 6, 6, 3], f: [3, 3, 3, 1], strides: 1, pad: 'same' },
    { x: [2, 7, 6, 2], f: [3, 2, 2, 3], strides: 2, pad: 'valid' },
    { x: [1, 8, 8, 4], f: [3, 3, 4, 2], strides: [2, 1], pad: [[0, 0], [1, 1], [2, 0], [0, 0]] },
    { x: [3, 5, 5, 2], f: [2, 2, 2, 2], strides: 1, pad: 1 },
  ];
  // tfjs-backend-cpu ignores dilations in these two kernels (tfjs's gradient refuses dilations > 1 before either runs):
  // dilated windows are checked against wasm's forward op only.
  const dilated = [{ x: [2, 9, 9, 2], f: [3, 3, 2, 2], strides: 1, pad: 'same' as Pad, dil: 2 }, { x: [1, 8, 7, 3], f: [2, 3, 3, 1], strides: 1, pad: 'valid' as Pad, dil: 2 }];
  const attrs = (c: { strides: number | [number, number]; pad: Pad; dil?: number }, extra: Record<string, unknown>): tf.NamedAttrMap =>
    ({ strides: c.strides, pad: c.pad, dilations: c.dil ?? 1, ...extra }) as unknown as tf.NamedAttrMap;

  it('filter and input gradients equal tfjs-backend-cpu (1e-5), channel multipliers 1-3', async () => {
    const start = tf.memory().numTensors;
    for (const c of cases) {
      const x = randn(c.x);
      const w = randn(c.f);
      const dy = randn(outShape(c.x, c.f, c.strides, c.pad, true));
      const [dW, dWref] = await wasmAndCpu('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs(c, { filterShape: c.f }));
      const [dX, dXref] = await wasmAndCpu('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, attrs(c, { inputShape: c.x }));
      assert.ok(relFrobenius(dW, dWref) < 1e-5, `filter ${JSON.stringify(c)}: ${relFrobenius(dW, dWref)}`);
      assert.ok(relFrobenius(dX, dXref) < 1e-5, `input ${JSON.stringify(c)}: ${relFrobenius(dX, dXref)}`);
    }
    assert.equal(tf.memory().numTensors, start);
  });

  it("both are adjoints of wasm's own DepthwiseConv2dNative, dilated windows too", () => {
    const start = tf.memory().numTensors;
    for (const c of [...cases, ...dilated]) {
      const x = randn(c.x);
      const w = randn(c.f);
      const dy = randn(outShape(c.x, c.f, c.strides, c.pad, true, 'NHWC', c.dil ?? 1));
      const y = runKernel('DepthwiseConv2dNative', { x, filter: w }, attrs(c, { dataFormat: 'NHWC' }));
      const dW = runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs(c, { filterShape: c.f }));
      const dX = runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, attrs(c, { inputShape: c.x }));
      assertAdjoint(y.data, dy.data, w.data, dW.data, `filter ${JSON.stringify(c)}`);
      assertAdjoint(y.data, dy.data, x.data, dX.data, `input ${JSON.stringify(c)}`);
    }
    assert.equal(tf.memory().numTensors, start);
  });
});

describe('UnsortedSegmentSum on wasm', () => {
  it('equals tfjs-backend-cpu: out-of-range ids skipped, int32 values, ids of rank 2 as their flattening', async () => {
    const start = tf.memory().numTensors;
    const x = randn([7, 3]);
    const ids: Arr = { data: Int32Array.of(0, 2, 2, -1, 4, 9, 0), shape: [7] };
    const [a, aref] = await wasmAndCpu('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: 5 });
    assert.ok(relFrobenius(a, aref) < 1e-6, `float32: ${relFrobenius(a, aref)}`);
    const xi: Arr = { data: Int32Array.of(5, -3, 7, 1, 2, 40), shape: [6] };
    const [b, bref] = await wasmAndCpu('UnsortedSegmentSum', { x: xi, segmentIds: { data: Int32Array.of(1, 1, 0, 3, 3, 3), shape: [6] } }, { numSegments: 4 });
    assert.deepEqual([...b], [...bref]);
    assert.deepEqual([...b], [7, 2, 0, 43]);
    const x3 = randn([2, 3, 4]);
    const ids2 = Int32Array.of(1, 0, 1, 2, 2, 0);
    const r2 = runKernel('UnsortedSegmentSum', { x: x3, segmentIds: { data: ids2, shape: [2, 3] } }, { numSegments: 3 });
    const [, flat] = await wasmAndCpu('UnsortedSegmentSum', { x: { data: x3.data, shape: [6, 4] }, segmentIds: { data: ids2, shape: [6] } }, { numSegments: 3 });
    assert.deepEqual(r2.shape, [3, 4]);
    assert.ok(relFrobenius(r2.data, flat) < 1e-6);
    assert.equal(tf.memory().numTensors, start);
  });
});

// ---- A tiny conv net in float64 (plain loops, TensorFlow's padding rule), for central finite differences. ----

/** [before, out] of one axis: TensorFlow's 'same' / 'valid'. */
function axis(size: number, k: number, s: number, pad: 'same' | 'valid'): [number, number] {
  if (pad === 'valid') return [0, Math.ceil((size - k + 1) / s)];
  const out = Math.ceil(size / s);
  return [Math.floor(Math.max((out - 1) * s + k - size, 0) / 2), out];
}

interface T64 { d: Float64Array; s: number[] }

/** conv2d (depthwise: M = f[3] filters per channel) of x [n, h, w, c] by f, NHWC, float64. */
function conv64(x: T64, f: T64, stride: number, pad: 'same' | 'valid', depthwise: boolean): T64 {
  const [n, h, w, c] = x.s;
  const [kh, kw] = f.s;
  const [top, oh] = axis(h, kh, stride, pad);
  const [left, ow] = axis(w, kw, stride, pad);
  const co = depthwise ? c * f.s[3] : f.s[3];
  const out = new Float64Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride - top + ky;
            const ix = ox * stride - left + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const xv = x.d[((b * h + iy) * w + ix) * c + ci];
              const o = ((b * oh + oy) * ow + ox) * co;
              if (depthwise) for (let m = 0; m < f.s[3]; m++) out[o + ci * f.s[3] + m] += xv * f.d[((ky * kw + kx) * c + ci) * f.s[3] + m];
              else for (let q = 0; q < co; q++) out[o + q] += xv * f.d[((ky * kw + kx) * c + ci) * co + q];
            }
          }
  return { d: out, s: [n, oh, ow, co] };
}

/** conv2dTranspose of x [n, h, w, cin] by f [kh, kw, cout, cin] to [n, H, W, cout]: the scatter that is conv2d's adjoint. */
function convTranspose64(x: T64, f: T64, shape: number[], stride: number, pad: 'same' | 'valid'): T64 {
  const [n, h, w, cin] = x.s;
  const [kh, kw, cout] = f.s;
  const [, H, W] = shape;
  const [top] = axis(H, kh, stride, pad);
  const [left] = axis(W, kw, stride, pad);
  const out = new Float64Array(n * H * W * cout);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < h; oy++)
      for (let ox = 0; ox < w; ox++)
        for (let ky = 0; ky < kh; ky++)
          for (let kx = 0; kx < kw; kx++) {
            const Y = oy * stride - top + ky;
            const X = ox * stride - left + kx;
            if (Y < 0 || Y >= H || X < 0 || X >= W) continue;
            for (let co = 0; co < cout; co++) {
              let s = 0;
              for (let ci = 0; ci < cin; ci++) s += x.d[((b * h + oy) * w + ox) * cin + ci] * f.d[((ky * kw + kx) * cout + co) * cin + ci];
              out[((b * H + Y) * W + X) * cout + co] += s;
            }
          }
  return { d: out, s: [n, H, W, cout] };
}

const NET = { x: [2, 5, 5, 2], w1: [3, 3, 2, 3], w2: [2, 2, 3, 2], w3: [3, 3, 2, 6], e: [4, 2], out: [2, 4, 4, 2] };
const TOKENS = Int32Array.of(0, 3, 3, 1, 2, 0); // [2, 3]: three embedding rows summed per example

/**
 * L = sum C o tanh(convT(tanh(depthwise(tanh(conv(x, W1, 2, same)), W2, 1, valid)), W3, [2, 4, 4, 2], 2, same) + sum_t E[tok]),
 * float64; params in the order x, W1, W2, W3, E.
 */
function loss64(p: Float64Array[], C: Float64Array): number {
  const t = (a: T64): T64 => ({ d: a.d.map(Math.tanh), s: a.s });
  const h1 = t(conv64({ d: p[0], s: NET.x }, { d: p[1], s: NET.w1 }, 2, 'same', false));
  const h2 = t(conv64(h1, { d: p[2], s: NET.w2 }, 1, 'valid', true));
  const h3 = convTranspose64(h2, { d: p[3], s: NET.w3 }, NET.out, 2, 'same');
  let L = 0;
  for (let i = 0; i < h3.d.length; i++) {
    const b = Math.floor(i / 32);
    const ch = i % 2;
    let bias = 0;
    for (let q = 0; q < 3; q++) bias += p[4][TOKENS[b * 3 + q] * 2 + ch];
    L += C[i] * Math.tanh(h3.d[i] + bias);
  }
  return L;
}

function lossTf(C: tf.Tensor, tokens: tf.Tensor): (...p: tf.Tensor[]) => tf.Scalar {
  return (x, w1, w2, w3, e) => {
    const h1 = tf.tanh(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 2, 'same'));
    const h2 = tf.tanh(tf.depthwiseConv2d(h1, w2 as tf.Tensor4D, 1, 'valid'));
    const h3 = tf.conv2dTranspose(h2, w3 as tf.Tensor4D, NET.out as [number, number, number, number], 2, 'same');
    const bias = tf.reshape(tf.sum(tf.gather(e, tokens), 1), [2, 1, 1, 2]);
    return tf.sum(tf.mul(C, tf.tanh(tf.add(h3, bias))));
  };
}

describe('gradients of a conv net on wasm', () => {
  it('equal central finite differences in float64 (strided conv2d, depthwise x2, conv2dTranspose, embedding), every GEMM', () => {
    const start = tf.memory().numTensors;
    const shapes = [NET.x, NET.w1, NET.w2, NET.w3, NET.e];
    const params = shapes.map((s) => randn(s).data as Float32Array).map((d, i) => (i === 0 ? d : d.map((v) => v * 0.5)));
    const C = randn(NET.out).data as Float32Array;
    const p64 = params.map((d) => Float64Array.from(d));
    const C64 = Float64Array.from(C);
    const h = 1e-5;
    const fd = p64.map((theta) =>
      Float64Array.from(theta, (keep, q) => {
        theta[q] = keep + h;
        const up = loss64(p64, C64);
        theta[q] = keep - h;
        const down = loss64(p64, C64);
        theta[q] = keep;
        return (up - down) / (2 * h);
      }),
    );
    const Ct = tf.tensor(C, NET.out);
    const tokens = tf.tensor2d(TOKENS, [2, 3], 'int32');
    const inputs = params.map((d, i) => tf.tensor(d, shapes[i]));
    const names = ['x', 'W1 (Conv2DBackpropFilter)', 'W2 (depthwise filter)', 'W3 (Conv2DBackpropFilter of convT)', 'E (UnsortedSegmentSum)'];
    try {
      for (const impl of ROUTES) {
        selectRoute(impl);
        const grads = tf.grads(lossTf(Ct, tokens))(inputs);
        const values = grads.map((g) => g.dataSync());
        tf.dispose(grads);
        values.forEach((g, i) => {
          const err = relFrobenius(g, fd[i]);
          assert.ok(norm(fd[i]) > 0.1 && err < 1e-5, `${names[i]} on ${impl}: rel ${err.toExponential(2)}`);
        });
      }
    } finally {
      selectRoute(undefined);
      tf.dispose([Ct, tokens, ...inputs]);
    }
    assert.equal(tf.memory().numTensors, start);
  });
});

describe('registration and the training check', () => {
  it('every provided kernel is registered once wasm is active; registering again adds nothing and keeps a kernel already there', () => {
    for (const k of WASM_GRADIENT_KERNELS) assert.ok(tf.getKernel(k, 'wasm'), k);
    assert.deepEqual(registerWasmGradientKernels(), []);
    const ours = tf.getKernel('UnsortedSegmentSum', 'wasm')!;
    tf.unregisterKernel('UnsortedSegmentSum', 'wasm');
    const theirs = { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: ours.kernelFunc.bind(null) };
    tf.registerKernel(theirs);
    try {
      assert.deepEqual(registerWasmGradientKernels(), []);
      assert.equal(tf.getKernel('UnsortedSegmentSum', 'wasm')!.kernelFunc, theirs.kernelFunc);
    } finally {
      tf.unregisterKernel('UnsortedSegmentSum', 'wasm');
    }
    assert.deepEqual(registerWasmGradientKernels(), ['UnsortedSegmentSum']);
  });

  it("tf.grads of the common layers' ops runs on wasm (what was probed); dilated conv gradients stay tfjs-core's refusal", () => {
    const start = tf.memory().numTensors;
    const r = (s: number[]): tf.Tensor => tf.randomNormal(s, 0, 1, 'float32', 7);
    const x4 = r([2, 7, 7, 3]);
    const ops: [string, tf.Tensor[], (...a: tf.Tensor[]) => tf.Tensor][] = [
      ['conv1d strided same', [r([2, 9, 3]), r([3, 3, 4])], (x, w) => tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, 2, 'same')],
      ['conv2d valid', [x4, r([3, 3, 3, 4])], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')],
      ['conv2d strided same', [x4, r([3, 3, 3, 4])], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')],
      ['conv2d explicit pads', [x4, r([3, 3, 3, 4])], (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, [[0, 0], [1, 2], [2, 0], [0, 0]])],
      ['depthwise', [x4, r([3, 3, 3, 2])], (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')],
      ['separable', [x4, r([3, 3, 3, 2]), r([1, 1, 6, 4])], (x, w, p) => tf.separableConv2d(x as tf.Tensor4D, w as tf.Tensor4D, p as tf.Tensor4D, 1, 'same')],
      ['conv2dTranspose', [r([2, 4, 4, 3]), r([3, 3, 5, 3])], (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 8, 8, 5], 2, 'same')],
      ['pooling', [x4], (x) => tf.add(tf.sum(tf.avgPool(x as tf.Tensor4D, 3, 2, 'same')), tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))],
      ['batchNorm', [r([4, 5]), r([5]), tf.tidy(() => tf.abs(r([5]))), r([5]), r([5])], (x, m, v, o, sc) => tf.batchNorm(x, m, v, o, sc, 1e-3)],
      ['layer norm', [r([4, 5])], (x) => { const { mean, variance } = tf.moments(x, -1, true); return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-3))); }],
      ['gather', [r([10, 4])], (e) => tf.gather(e, tf.tensor1d([1, 3, 3, 9], 'int32'))],
    ];
    for (const [name, inputs, f] of ops) {
      const g = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.square(f(...a))))(inputs);
      assert.ok(g.every((t) => t.dataSync().every(Number.isFinite)), name);
      tf.dispose(g);
    }
    tf.dispose(ops.flatMap(([, inputs]) => inputs));
    assert.equal(tf.memory().numTensors, start);
    // Last, since tfjs keeps the tensors it saved for backprop when a gradient throws (why train() refuses up front).
    const [x, w] = [r([1, 5, 5, 1]), r([3, 3, 1, 1])];
    assert.throws(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same', 'NHWC', 2)))([x, w]), /dilation rates greater than 1/);
    tf.dispose([x, w]);
  });

  it('models of every layer train() checks pass the check and differentiate on wasm; a backend missing a kernel is refused by name', async () => {
    const start = tf.memory().numTensors;
    const seed = { kernelInitializer: tfl.initializers.glorotNormal({ seed: 3 }) };
    const models: [string, tfl.layers.Layer[], number[]][] = [
      ['conv1d', [tfl.layers.conv1d({ inputShape: [9, 2], filters: 3, kernelSize: 3, strides: 2, padding: 'same', ...seed })], [2, 9, 2]],
      ['depthwise', [tfl.layers.depthwiseConv2d({ inputShape: [6, 6, 2], kernelSize: 3, depthMultiplier: 2, ...seed })], [2, 6, 6, 2]],
      ['separable', [tfl.layers.separableConv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same' })], [2, 6, 6, 2]],
      ['transpose', [tfl.layers.conv2dTranspose({ inputShape: [3, 3, 2], filters: 2, kernelSize: 3, strides: 2, padding: 'same', ...seed })], [2, 3, 3, 2]],
      ['pooling', [tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, ...seed }), tfl.layers.maxPooling2d({ poolSize: 2 }), tfl.layers.averagePooling2d({ poolSize: 2 })], [2, 6, 6, 1]],
      ['embedding', [tfl.layers.embedding({ inputDim: 5, outputDim: 3, inputLength: 4 })], [2, 4]],
    ];
    for (const [name, layers, shape] of models) {
      const model = tfl.sequential({ layers: [...layers, tfl.layers.flatten(), tfl.layers.dense({ units: 1 })] });
      checkGradientKernels(model);
      const x = name === 'embedding' ? tf.tensor2d([0, 4, 1, 1, 3, 2, 0, 4], [2, 4]) : tf.randomNormal(shape, 0, 1, 'float32', 5);
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.predict(x) as tf.Tensor)));
      for (const [v, g] of Object.entries(grads)) assert.ok(g.dataSync().every(Number.isFinite), `${name}: ${v}`);
      tf.dispose([value, x, ...Object.values(grads)]);
      model.dispose();
    }
    // tfjs-backend-cpu made to lack a kernel: the check still names it.
    await useBackend('cpu');
    const cpuKernel = tf.getKernel('Conv2DBackpropFilter', 'cpu')!;
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    const model = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [5, 5, 1], filters: 1, kernelSize: 3 })] });
    try {
      assert.throws(() => checkGradientKernels(model), (e: Error) => e instanceof UnsupportedModelError && /'Conv2DBackpropFilter'/.test(e.message) && /conv2d/.test(e.message));
    } finally {
      tf.registerKernel(cpuKernel);
      model.dispose();
      await useBackend('wasm');
    }
    assert.equal(tf.memory().numTensors, start);
  });
});

describe('train() on wasm', () => {
  it('trains a strided conv + depthwise CNN with Adam: the training loss falls below a third, no tensor left', async () => {
    assert.equal(tf.getBackend(), 'wasm');
    const start = tf.memory().numTensors;
    const n = 24;
    const init = (seed: number) => ({ kernelInitializer: tfl.initializers.heNormal({ seed }) });
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...init(1) }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu', depthwiseInitializer: tfl.initializers.heNormal({ seed: 2 }) }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3, ...init(3) }),
      ],
    });
    const r = new Rng(4);
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    // Class c is bright in rows [3c, 3c + 2): learnable in a few steps.
    const x = tf.tensor4d(Float32Array.from({ length: n * 64 }, (_, t) => r.normal() * 0.3 + (Math.floor((t % 64) / 8 / 3) === labels[Math.floor(t / 64)] ? 1 : 0)), [n, 8, 8, 1]);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32'));
    const losses: number[] = [];
    await train(model, { x, y }, {
      optimizer: 'adam', learningRate: 0.02, epochs: 12, batchSize: 8, loss: 'softmax-cross-entropy',
      snapshots: { every: 12, probe: x, topK: 0, layers: false },
      onSnapshot: (s) => void losses.push(s.rows.find((row) => row.metric === 'loss' && row.label === 'train')!.value),
    }).toTable();
    assert.ok(losses.length >= 3 && losses[losses.length - 1] < losses[0] / 3, `losses ${losses.map((v) => v.toFixed(3)).join(', ')}`);
    tf.dispose([x, y]);
    model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });
});

describe('bad input', () => {
  it('names the kernel and the shape: wrong dy, rank, dtype, numSegments, a result the wasm heap cannot hold, another backend', () => {
    const start = tf.memory().numTensors;
    const x = randn([2, 5, 5, 2]);
    assert.throws(
      () => runKernel('Conv2DBackpropFilter', { x, dy: randn([2, 4, 4, 3]) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] }),
      (e: Error) => e instanceof ShapeError && /Conv2DBackpropFilter: dy must have shape \[2,3,3,3\].*got \[2,4,4,3\]/.test(e.message),
    );
    assert.throws(
      () => runKernel('Conv2DBackpropFilter', { x, dy: randn([2, 3, 3, 3]) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 4, 3] }),
      (e: Error) => e instanceof ShapeError && /filterShape \[3,3,4,3\] must have 2 input channels/.test(e.message),
    );
    assert.throws(
      () => runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: randn([2, 3, 3, 6]) }, { strides: 1, pad: 'valid', dilations: 1, filterShape: [3, 3, 3, 2] }),
      (e: Error) => e instanceof ShapeError && /filterShape \[3,3,3,2\] must have 2 input channels/.test(e.message),
    );
    assert.throws(
      () => runKernel('DepthwiseConv2dNativeBackpropInput', { dy: randn([2, 3, 3, 2]), filter: randn([3, 3, 2, 2]) }, { strides: 1, pad: 'valid', dilations: 1, inputShape: [2, 5, 5, 2] }),
      (e: Error) => e instanceof ShapeError && /DepthwiseConv2dNativeBackpropInput: dy must have shape \[2,3,3,4\].*got \[2,3,3,2\]/.test(e.message),
    );
    assert.throws(
      () => runKernel('UnsortedSegmentSum', { x: randn([4, 2]), segmentIds: { data: Int32Array.of(0, 1, 0), shape: [3] } }, { numSegments: 2 }),
      (e: Error) => e instanceof ShapeError && /segmentIds \[3\] must match the leading dimensions of x \[4,2\]/.test(e.message),
    );
    assert.throws(
      () => runKernel('UnsortedSegmentSum', { x: randn([3]), segmentIds: { data: Int32Array.of(0, 1, 0), shape: [3] } }, { numSegments: 2.5 }),
      (e: Error) => e instanceof InvalidOptionError,
    );
    assert.equal(tf.memory().numTensors, start);
    // Refused from the shapes alone: nothing is read or allocated (this host would throw if anything were).
    const host = { readSync: (): never => assert.fail('read'), makeOutput: (): never => assert.fail('allocated'), disposeData: (): never => assert.fail('freed') };
    const big = { dataId: {}, shape: [1, 1100, 1100, 1100], dtype: 'float32' as const };
    const conv = tf.getKernel('Conv2DBackpropFilter', 'wasm')!.kernelFunc;
    assert.throws(
      () => conv({ inputs: { x: big, dy: { dataId: {}, shape: [1, 1, 1, 1], dtype: 'float32' } }, backend: host, attrs: { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [1100, 1100, 1100, 1] } }),
      (e: Error) => e instanceof MemoryBudgetError && /needs 4\.96 GiB/.test(e.message),
    );
    const seg = tf.getKernel('UnsortedSegmentSum', 'wasm')!.kernelFunc;
    assert.throws(
      () => seg({ inputs: { x: { dataId: {}, shape: [3, 1000], dtype: 'float32' }, segmentIds: { dataId: {}, shape: [3], dtype: 'int32' } }, backend: host, attrs: { numSegments: 1e6 } }),
      MemoryBudgetError,
    );
    assert.throws(() => conv({ inputs: { x: big, dy: big }, backend: {}, attrs: {} }), BackendUnavailableError);
  });
});
