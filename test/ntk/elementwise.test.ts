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
        z[0] = 0; z[1] = -0; z[2] = 1e-40; z[3] = -1e-40; z[4] = 60; z[5] = -60;
        const b = withBias ? random(cols, 2) : null;
        const { native, ts } = bothRoutes([z, new Float32Array(rows * cols)], ([zz, s]) => biasActivation(act, zz, s, cols, b, 0.37));
        sameBits(native[0], ts[0], `${act} values`);
        sameBits(native[1], ts[1], `${act} slopes`);
        if (act === 'relu' && !withBias) assert.equal(ts[1][0], 0, "relu'(0) = 0");
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
});
