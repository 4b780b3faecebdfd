/**
 * The addon's direct convolution kernels (src/ntk/native/conv.cc) against the definition of a convolution evaluated
 * in float64 here, tap by tap (no im2col, no BLAS): the forward pass with bias, relu and alpha, the per-example
 * filter gradients with stacked cotangents, over paddings, strides, dilations, channel counts that leave the
 * vector tiles a scalar rest (cout = 5, 13, 24) and position counts that leave a partial tile; NaN through relu;
 * thread splits (OPENBLAS threads) give the same bits; bad arguments are refused.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { active, addonAvailable } from '../../src/linalg/backend';
import { packWindow, type Window } from '../../src/linalg/im2col';
import { makeWindow, type Padding } from '../../src/ntk/jacobian/ops/geometry';
import { directConv } from '../../src/ntk/jacobian/ops/direct-conv';
import { mulberry32 } from '../helpers/rng';
import { maxRelative } from '../helpers/finite-differences';

const skip = !addonAvailable() && process.env.NTK_LINALG !== 'native' ? 'addon not built (npm run build:native)' : false;

function random(n: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
}

/** x[i, iy, ix, c] of the unpadded input, 0 outside it (the window's padding). */
function at(w: Window, x: Float32Array, i: number, iy: number, ix: number, c: number): number {
  if (iy < 0 || iy >= w.inH || ix < 0 || ix >= w.inW) return 0;
  return x[((i * w.inH + iy) * w.inW + ix) * w.channels + c];
}

/** Loops over the taps of output (oy, ox): f(patch column index, input value of example i). */
function taps(w: Window, x: Float32Array, i: number, oy: number, ox: number, f: (col: number, v: number) => void): void {
  let col = 0;
  for (let ky = 0; ky < w.kh; ky++)
    for (let kx = 0; kx < w.kw; kx++)
      for (let c = 0; c < w.channels; c++) f(col++, at(w, x, i, oy * w.sh - w.padTop + ky * w.dh, ox * w.sw - w.padLeft + kx * w.dw, c));
}

/** float64 z[i, oy, ox, o] = phi(alpha sum_taps x W + bias). */
function forwardRef(w: Window, x: Float32Array, n: number, W: Float32Array, cout: number, alpha: number, bias: Float32Array | null, relu: boolean): Float64Array {
  const out = new Float64Array(n * w.outH * w.outW * cout);
  for (let i = 0; i < n; i++)
    for (let oy = 0; oy < w.outH; oy++)
      for (let ox = 0; ox < w.outW; ox++) {
        const q = ((i * w.outH + oy) * w.outW + ox) * cout;
        const acc = new Float64Array(cout);
        taps(w, x, i, oy, ox, (col, v) => {
          for (let o = 0; o < cout; o++) acc[o] += v * W[col * cout + o];
        });
        for (let o = 0; o < cout; o++) {
          const z = alpha * acc[o] + (bias ? bias[o] : 0);
          out[q + o] = relu ? Math.max(z, 0) : z;
        }
      }
  return out;
}

/** float64 g[r, col, o] = alpha sum over positions of patch value x d[r, pos, o], r = i stack + a. */
function filterRef(w: Window, x: Float32Array, n: number, stack: number, d: Float32Array, cout: number, alpha: number): Float64Array {
  const C = w.kh * w.kw * w.channels;
  const P = w.outH * w.outW;
  const g = new Float64Array(n * stack * C * cout);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < stack; a++) {
      const r = i * stack + a;
      for (let oy = 0; oy < w.outH; oy++)
        for (let ox = 0; ox < w.outW; ox++) {
          const p = oy * w.outW + ox;
          taps(w, x, i, oy, ox, (col, v) => {
            for (let o = 0; o < cout; o++) g[(r * C + col) * cout + o] += v * d[(r * P + p) * cout + o];
          });
        }
      for (let q = r * C * cout; q < (r + 1) * C * cout; q++) g[q] *= alpha;
    }
  return g;
}

interface Case {
  name: string;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: [number, number];
  s: [number, number];
  d: [number, number];
  padding: Padding;
}

const cases: Case[] = [
  { name: '3x3 valid, 32 -> 32 (the bench shape)', h: 10, w: 9, cin: 32, cout: 32, k: [3, 3], s: [1, 1], d: [1, 1], padding: 'valid' },
  { name: '3x3 same, 1 -> 16', h: 7, w: 8, cin: 1, cout: 16, k: [3, 3], s: [1, 1], d: [1, 1], padding: 'same' },
  { name: '5x3 same, stride 2, 3 -> 24', h: 9, w: 11, cin: 3, cout: 24, k: [5, 3], s: [2, 2], d: [1, 1], padding: 'same' },
  { name: '3x3 valid, dilation 2, 4 -> 13 (8 + a scalar rest of 5)', h: 9, w: 10, cin: 4, cout: 13, k: [3, 3], s: [1, 1], d: [2, 2], padding: 'valid' },
  { name: '2x2 valid, stride (1, 2), 6 -> 5 (scalar only)', h: 5, w: 9, cin: 6, cout: 5, k: [2, 2], s: [1, 2], d: [1, 1], padding: 'valid' },
  { name: '1x1, 7 -> 40', h: 3, w: 5, cin: 7, cout: 40, k: [1, 1], s: [1, 1], d: [1, 1], padding: 'valid' },
  { name: '3x1 causal-like same on a 1-wide image, 8 -> 8', h: 11, w: 1, cin: 8, cout: 8, k: [3, 1], s: [1, 1], d: [1, 1], padding: 'same' },
];

describe('direct convolution kernels == float64 convolution by definition', { skip }, () => {
  it('run vectorised on this CPU when it has AVX2 + FMA (else the op keeps im2col + OpenBLAS)', (t) => {
    const addon = active().addon!;
    t.diagnostic(`convKernels() = ${addon.convKernels()}; directConv() ${directConv() ? 'on' : 'off'}`);
    assert.equal(typeof addon.convForward, 'function');
    assert.equal(directConv() !== null, addon.convKernels());
  });

  for (const c of cases) {
    it(c.name, () => {
      const addon = active().addon!;
      const w = makeWindow({ layer: 'test', inH: c.h, inW: c.w, channels: c.cin, kernel: c.k, strides: c.s, dilation: c.d, padding: c.padding });
      const n = 3;
      const stack = 2;
      const C = c.k[0] * c.k[1] * c.cin;
      const P = w.outH * w.outW;
      const x = random(n * c.h * c.w * c.cin, 1);
      const W = random(C * c.cout, 2);
      const bias = random(c.cout, 3);
      for (const relu of [false, true]) {
        const z = new Float32Array(n * P * c.cout).fill(NaN);
        addon.convForward(packWindow(w), x, n, W, c.cout, 0.7, bias, relu, z);
        const e = maxRelative(z, forwardRef(w, x, n, W, c.cout, 0.7, bias, relu));
        assert.ok(e < 1e-6, `forward (relu ${relu}): relative error ${e}`);
      }
      const zNoBias = new Float32Array(n * P * c.cout);
      addon.convForward(packWindow(w), x, n, W, c.cout, 1, null, false, zNoBias);
      assert.ok(maxRelative(zNoBias, forwardRef(w, x, n, W, c.cout, 1, null, false)) < 1e-6, 'forward without bias');
      const d = random(n * stack * P * c.cout, 4);
      const g = new Float32Array(n * stack * C * c.cout).fill(NaN);
      addon.convFilterGrads(packWindow(w), x, n, stack, d, c.cout, 1.3, g);
      const e = maxRelative(g, filterRef(w, x, n, stack, d, c.cout, 1.3));
      assert.ok(e < 1e-6, `filter gradients: relative error ${e}`);
    });
  }

  it('relu keeps NaN and Inf as tfjs does; a NaN input reaches only the outputs whose taps read it', () => {
    const addon = active().addon!;
    const w = makeWindow({ layer: 'test', inH: 6, inW: 6, channels: 2, kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid' });
    const x = random(2 * 6 * 6 * 2, 5);
    x[(2 * 6 + 2) * 2] = NaN; // example 0, (2, 2), channel 0: read by outputs (0..2, 0..2)
    const W = random(18 * 16, 6);
    const z = new Float32Array(2 * 16 * 16);
    addon.convForward(packWindow(w), x, 2, W, 16, 1, null, true, z);
    for (let oy = 0; oy < 4; oy++)
      for (let ox = 0; ox < 4; ox++)
        for (let o = 0; o < 16; o++) {
          const v = z[(oy * 4 + ox) * 16 + o];
          assert.equal(Number.isNaN(v), oy <= 2 && ox <= 2, `output (${oy}, ${ox}, ${o}) = ${v}`);
        }
    for (let q = 256; q < 512; q++) assert.ok(Number.isFinite(z[q]) && z[q] >= 0, 'example 1 is untouched by example 0');
  });

  it('one call over n examples equals n calls of one example, bit for bit (the split over threads changes nothing)', () => {
    const addon = active().addon!;
    const w = makeWindow({ layer: 'test', inH: 8, inW: 8, channels: 5, kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same' });
    const n = 7;
    const x = random(n * 8 * 8 * 5, 7);
    const W = random(45 * 24, 8);
    const all = new Float32Array(n * 64 * 24);
    addon.convForward(packWindow(w), x, n, W, 24, 1, null, false, all);
    for (let i = 0; i < n; i++) {
      const one = new Float32Array(64 * 24);
      addon.convForward(packWindow(w), x.subarray(i * 320, (i + 1) * 320), 1, W, 24, 1, null, false, one);
      assert.deepEqual(all.subarray(i * 64 * 24, (i + 1) * 64 * 24), one, `example ${i}`);
    }
  });

  it('step aside on a GPU backend, where linalg hands the im2col products to the GPU; NTK_DIRECT_CONV=0 turns them off', () => {
    const g = globalThis as { _tfengine?: unknown };
    const saved = g._tfengine;
    const here = active().addon!.convKernels();
    try {
      // tfjs keeps its engine on the global object: these stand-ins say which backend is active, nothing else runs.
      g._tfengine = { backendName: 'webgl' };
      assert.equal(directConv(), null, 'webgl');
      g._tfengine = { backendName: 'tensorflow', backend: { isUsingGpuDevice: true } };
      assert.equal(directConv(), null, 'tfjs-node-gpu on a CUDA device');
      g._tfengine = { backendName: 'tensorflow', backend: { isUsingGpuDevice: false } };
      assert.equal(directConv() !== null, here, 'tfjs-node on the CPU');
    } finally {
      g._tfengine = saved;
    }
    process.env.NTK_DIRECT_CONV = '0';
    try {
      assert.equal(directConv(), null);
    } finally {
      delete process.env.NTK_DIRECT_CONV;
    }
    assert.equal(directConv() !== null, here);
  });

  it('refuses wrong lengths and windows before touching memory', () => {
    const addon = active().addon!;
    const w = makeWindow({ layer: 'test', inH: 4, inW: 4, channels: 2, kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid' });
    const x = new Float32Array(2 * 32);
    const W = new Float32Array(18 * 8);
    assert.throws(() => addon.convForward(packWindow(w), x, 3, W, 8, 1, null, false, new Float32Array(3 * 4 * 8)), /argument 1 has length 64, needs at least 96/);
    assert.throws(() => addon.convForward(packWindow(w), x, 2, W, 8, 1, null, false, new Float32Array(10)), /argument 8 has length 10/);
    assert.throws(() => addon.convForward(packWindow(w), x, 2, W, 8, 1, new Float32Array(3), false, new Float32Array(64)), /argument 6 has length 3/);
    assert.throws(() => addon.convForward(Int32Array.of(4, 4, 2), x, 2, W, 8, 1, null, false, new Float32Array(64)), /Int32Array of 13 window numbers/);
    const bad = packWindow(w).slice();
    bad[5] = 0; // stride 0
    assert.throws(() => addon.convForward(bad, x, 2, W, 8, 1, null, false, new Float32Array(64)), /has sh = 0; strides and dilations must be >= 1/);
    const pad = packWindow(w).slice();
    pad[9] = -1; // a band's negative top pad, which im2col takes
    assert.throws(() => addon.convForward(pad, x, 2, W, 8, 1, null, false, new Float32Array(64)), /must have non-negative paddings/);
    assert.throws(() => addon.convFilterGrads(packWindow(w), x, 2, 2, new Float32Array(10), 8, 1, new Float32Array(2 * 2 * 18 * 8)), /argument 4 has length 10/);
  });
});
