/**
 * The explicit NTK's elementwise passes (src/ntk/explicit/elementwise.ts) give the same bits through the addon
 * (src/ntk/native/elementwise.cc) and through TypeScript: each route is run on the same inputs and the outputs
 * compared byte for byte; the TypeScript route is also checked against a direct float64 evaluation.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { addonAvailable, selectImplementation } from '../../src/linalg/backend';
import type { ActivationName } from '../../src/models/activations';
import { accumulateLayer, biasActivation, mirrorLower, multiplyRows } from '../../src/ntk/explicit/elementwise';
import { biasActivate, deactivate } from '../../src/ntk/jacobian/ops/bias-activation';
import { im2col, im2colTs } from '../../src/linalg/im2col';
import { makeWindow, type Padding } from '../../src/ntk/jacobian/ops/geometry';
import { Scratch } from '../../src/ntk/jacobian/ops/scratch';
import { axpy, channelAffine } from '../../src/ntk/jacobian/ops/channels';
import { scaleShiftGradients } from '../../src/ntk/jacobian/ops/scale-shift';
import { ElementwiseOp } from '../../src/ntk/jacobian/ops/elementwise';
import { mulberry32 } from '../helpers/rng';

const skip = !addonAvailable() && process.env.NTK_LINALG !== 'native' ? 'addon not built (npm run build:native)' : false;

function random(n: number, seed: number, scale = 4): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * r());
}

/** Runs f once per route on fresh copies of the inputs it is given and returns both routes' copies. */
function bothRoutes(inputs: Float32Array[], f: (copies: Float32Array[]) => void): { native: Float32Array[]; ts: Float32Array[] } {
  const run = (impl: 'openblas' | 'fallback'): Float32Array[] => {
    const copies = inputs.map((a) => a.slice());
    selectImplementation(impl);
    try { f(copies); } finally { selectImplementation(undefined); }
    return copies;
  };
  return { native: run('openblas'), ts: run('fallback') };
}

function sameBits(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, what);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) assert.fail(`${what}: element ${i} differs: ${a[i]} (addon) vs ${b[i]} (TypeScript)`);
}

describe('explicit NTK elementwise passes: addon == TypeScript, bit for bit', { skip }, () => {
  const rows = 37, cols = 53;
  for (const act of ['linear', 'relu', 'tanh', 'sigmoid'] as ActivationName[]) {
    for (const withBias of [false, true]) {
      it(`biasActivation ${act}${withBias ? ' with a bias' : ''}`, () => {
        const z = random(rows * cols, 1);
        z[0] = 0; z[1] = -0; z[2] = 1e-40; z[3] = -1e-40; z[4] = 60; z[5] = -60; z[6] = NaN;
        const b = withBias ? random(cols, 2) : null;
        const { native, ts } = bothRoutes([z, new Float32Array(rows * cols)], ([zz, s]) => biasActivation(act, zz, s, cols, b, 0.37));
        sameBits(native[0], ts[0], `${act} values`);
        sameBits(native[1], ts[1], `${act} slopes`);
        if (act === 'relu' && !withBias) assert.equal(ts[1][0], 0, "relu'(0) = 0");
        // NaN (Inf - Inf in an overflowing GEMM) must survive the activation, so the finiteness check sees it.
        assert.ok(Number.isNaN(ts[0][6]) && Number.isNaN(native[0][6]), `${act}(NaN) is NaN`);
        // TypeScript against a float64 evaluation of the same formulas.
        for (let p = 0; p < rows * cols; p += 97) {
          const v = Math.fround(z[p] + (b ? 0.37 * b[p % cols] : 0));
          const want = act === 'relu' ? Math.max(v, 0) : act === 'tanh' ? Math.tanh(v) : act === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : v;
          assert.ok(Math.abs(ts[0][p] - want) <= 1e-7 * Math.max(1, Math.abs(want)), `${act}(${v}) = ${ts[0][p]}, want ${want}`);
        }
      });
    }
  }

  for (const k of [1, 3]) {
    it(`multiplyRows, k = ${k}`, () => {
      const d = random(rows * k * cols, 3);
      const s = random(rows * cols, 4);
      const { native, ts } = bothRoutes([d], ([dd]) => multiplyRows(dd, s, rows, k, cols));
      sameBits(native[0], ts[0], 'deltas');
      const i = 5, a = k - 1, j = 7;
      assert.equal(ts[0][(i * k + a) * cols + j], Math.fround(d[(i * k + a) * cols + j] * s[i * cols + j]));
    });
  }

  for (const lower of [false, true]) {
    for (const withDeltas of [true, false]) {
      it(`accumulateLayer, ${lower ? 'lower triangle' : 'whole block'}, ${withDeltas ? 'deltas Gram' : 'constant deltas'}`, () => {
        const n = 41;
        const total = random(n * n, 5);
        const dg = random(n * n, 6);
        const hg = random(n * n, 7);
        const { native, ts } = bothRoutes([total], ([t]) => accumulateLayer(t, withDeltas ? dg : null, hg, 0.81, 0.04, n, n, lower));
        sameBits(native[0], ts[0], 'block');
        const upper = 2 * n + 9; // (2, 9): above the diagonal
        if (lower) assert.equal(ts[0][upper], total[upper], 'the upper triangle is left alone');
        const p = 9 * n + 2;
        assert.equal(ts[0][p], Math.fround(total[p] + (withDeltas ? dg[p] : 1) * (0.81 * hg[p] + 0.04)));
      });
    }
  }

  it('mirrorLower: square float32 blocks, one interleaved matrix (the addon) and three (TypeScript only)', () => {
    for (const R of [1, 63, 64, 65, 130]) {
      const x = random(R * R, 8);
      const { native, ts } = bothRoutes([x], ([xx]) => mirrorLower(xx, R, 1));
      sameBits(native[0], ts[0], `R = ${R}`);
      for (let i = 0; i < R; i++) for (let j = 0; j < i; j++) assert.equal(ts[0][j * R + i], x[i * R + j]);
    }
    const R = 70, s = 3;
    const x = random(R * R * s, 9);
    mirrorLower(x, R, s);
    for (let c = 0; c < s; c++) for (let i = 0; i < R; i++) for (let j = 0; j < i; j++) assert.equal(x[(j * R + i) * s + c], x[(i * R + j) * s + c]);
  });

  // The autodiff route's passes (src/ntk/jacobian/ops).
  const windows: { name: string; inH: number; inW: number; channels: number; kernel: [number, number]; strides: [number, number]; dilation: [number, number]; padding: Padding }[] = [
    { name: '3x3 valid', inH: 9, inW: 8, channels: 3, kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'valid' },
    { name: '3x3 same, stride 2', inH: 9, inW: 8, channels: 40, kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'same' },
    { name: '3x2 same, dilation 2', inH: 7, inW: 9, channels: 5, kernel: [3, 2], strides: [1, 1], dilation: [2, 2], padding: 'same' },
    { name: '1-D causal', inH: 1, inW: 12, channels: 4, kernel: [1, 3], strides: [1, 1], dilation: [1, 1], padding: 'causal' },
  ];
  for (const spec of windows) {
    it(`im2col, ${spec.name}`, () => {
      const w = makeWindow({ layer: 't', ...spec });
      const size = w.outH * w.outW * w.kh * w.kw * w.channels;
      const inSize = w.inH * w.inW * w.channels;
      const x = random(3 * inSize, 10);
      const { native, ts } = bothRoutes([new Float32Array(2 * size).fill(7)], ([out]) => im2col(w, x, inSize, out.subarray(size)));
      sameBits(native[0], ts[0], 'patches');
      const direct = new Float32Array(size);
      im2colTs(w, x, inSize, direct);
      sameBits(ts[0].subarray(size), direct, 'patches vs im2colTs');
      assert.equal(ts[0][0], 7, 'nothing written before the view');
    });
  }

  for (const withBias of [false, true]) {
    it(`biasActivate relu (autodiff route)${withBias ? ' with a bias' : ''}`, () => {
      const r = 23, c = 17;
      const z = random(r * c, 11);
      z[0] = 0; z[1] = -0; z[2] = NaN;
      const b = withBias ? random(c, 12) : null;
      const { native, ts } = bothRoutes([z], ([zz]) => biasActivate(zz, r, c, b, 0.7, 'relu', new Scratch()));
      sameBits(native[0], ts[0], 'relu');
      assert.ok(Number.isNaN(ts[0][2]), 'NaN stays NaN');
    });
  }

  for (const relu of [true, false]) {
    for (const [withBias, cout] of [[false, 6], [true, 6], [false, 33], [true, 32]] as const) {
      it(`deactivate, ${relu ? 'relu' : 'slopes'}${withBias ? ', bias rows with bm = 0.3' : ''}, cout = ${cout}`, () => {
        const n = 5, stack = 2, P = 7;
        const dOut = random(n * stack * P * cout, 13);
        const slope = random(n * P * cout, 14);
        // Negative and zero slopes too, so a wrong relu mask (or a vectorised select that differs) shows.
        for (let i = 0; i < slope.length; i += 3) slope[i] = -slope[i];
        for (let i = 1; i < slope.length; i += 7) slope[i] = 0;
        const rows = withBias ? random(n * stack * cout, 15) : new Float32Array(0);
        const { native, ts } = bothRoutes([dOut, rows], ([d, g]) => deactivate(d, slope, relu, { n, stack, P, cout, bm: 0.3 }, withBias ? g : null));
        sameBits(native[0], ts[0], 'cotangents');
        sameBits(native[1], ts[1], 'bias rows');
        // The mask itself, against the formula: dz = dOut [slope > 0] (relu) or dOut slope.
        for (let e = 0; e < n; e++)
          for (let r = 0; r < stack; r++)
            for (let p = 0; p < P; p++)
              for (let o = 0; o < cout; o++) {
                const q = ((e * stack + r) * P + p) * cout + o, sv = slope[(e * P + p) * cout + o];
                assert.equal(native[0][q], Math.fround(dOut[q] * (relu ? (sv > 0 ? 1 : 0) : sv)), `dz[${q}]`);
              }
      });
    }
  }

  it('axpy: y += alpha x (residual sums, fan-out cotangents), NaN and Inf through, alpha 1 and -0.3', () => {
    const x = random(1001, 21);
    x[5] = NaN; x[6] = Infinity;
    for (const alpha of [1, -0.3]) {
      const { native, ts } = bothRoutes([random(1001, 22)], ([y]) => axpy(alpha, x, y, 1000));
      sameBits(native[0], ts[0], `alpha ${alpha}`);
      assert.equal(native[0][1000], random(1001, 22)[1000], 'nothing written past n');
      const y0 = random(1001, 22);
      for (let q = 0; q < 1000; q++) assert.equal(ts[0][q], Math.fround(y0[q] + alpha * x[q]), `y[${q}]`);
    }
  });

  for (const withShift of [false, true]) {
    it(`channelAffine: y = x a + b per channel${withShift ? '' : ' (no shift)'}, in place and into another array`, () => {
      const rows = 37, C = 16;
      const x = random(rows * C, 23);
      const a = random(C, 24);
      const b = withShift ? random(C, 25) : null;
      const { native, ts } = bothRoutes([new Float32Array(rows * C), x], ([y, xx]) => {
        channelAffine(x, rows, C, a, b, y);
        channelAffine(xx, rows, C, a, b, xx);
      });
      sameBits(native[0], ts[0], 'into y');
      sameBits(native[1], ts[1], 'in place');
      sameBits(native[0], native[1], 'in place == into y');
      for (let q = 0; q < rows * C; q++) assert.equal(ts[0][q], Math.fround(x[q] * a[q % C] + (b ? b[q % C] : 0)), `y[${q}]`);
    });
  }

  for (const stats of [true, false]) {
    it(`scale/shift gradient rows (batch norm${stats ? ' with moving statistics' : ', layer norm from xhat'}), stack 2, gamma and beta`, () => {
      const n = 4, stack = 2, P = 9, C = 8;
      const d = random(n * stack * P * C, 26);
      const x = random(n * P * C, 27);
      const mean = random(C, 28);
      const inv = random(C, 29);
      const input = stats ? { x, mean, inv } : { xhat: x };
      const { native, ts } = bothRoutes([new Float32Array(n * stack * C), new Float32Array(n * stack * C)], ([gG, gB]) =>
        scaleShiftGradients({ n, stack, dOut: d, params: 'factors' }, input, P, C, gG, gB));
      sameBits(native[0], ts[0], 'gamma rows');
      sameBits(native[1], ts[1], 'beta rows');
      // Against the formula in float64: gamma_r,c = sum_p xhat d, beta_r,c = sum_p d (1e-6: float32 accumulation).
      for (let r = 0; r < n * stack; r++)
        for (let c = 0; c < C; c++) {
          let g = 0, h = 0;
          for (let p = 0; p < P; p++) {
            const dv = d[(r * P + p) * C + c];
            const xv = x[(Math.floor(r / stack) * P + p) * C + c];
            g += (stats ? (xv - mean[c]) * inv[c] : xv) * dv;
            h += dv;
          }
          assert.ok(Math.abs(ts[0][r * C + c] - g) <= 1e-5 * (1 + Math.abs(g)), `gamma[${r}, ${c}]`);
          assert.ok(Math.abs(ts[1][r * C + c] - h) <= 1e-5 * (1 + Math.abs(h)), `beta[${r}, ${c}]`);
        }
    });
  }

  for (const name of ['relu', 'tanh'] as const) {
    for (const fused of [false, true]) {
      it(`activation op ${name}${fused ? ' (fused, in place)' : ''}: forward, reverse with stack 3, forward mode`, () => {
        const n = 6, size = 35, stack = 3;
        const z = random(n * size, 30);
        z[0] = 0; z[1] = NaN; z[2] = -0;
        const d = random(n * stack * size, 31);
        const t = random(n * size, 32);
        const { native, ts } = bothRoutes([z, d, new Float32Array(n * size)], ([zz, dd, jv]) => {
          const op = new ElementwiseOp('act', [size], name, null, fused);
          const y = op.forward([zz], n);
          if (!fused) zz.set(y);
          op.backward({ n, stack, dOut: dd, params: 'none', needInputs: true });
          jv.set(op.jvp([t], [], n));
        });
        sameBits(native[0], ts[0], 'outputs');
        sameBits(native[1], ts[1], 'input cotangents');
        sameBits(native[2], ts[2], 'tangents');
        if (name === 'relu') assert.ok(Number.isNaN(ts[0][1]), 'NaN stays NaN');
      });
    }
  }
});
