/**
 * The explicit NTK's elementwise passes between its BLAS calls: bias + activation + slope, the backward
 * pass's delta o phi', a layer's term added to the kernel block, and the final mirror of a symmetric block.
 * In C when the linalg addon is loaded (src/ntk/native/elementwise.cc: ~0.3-1 ns per element against 2-12 ns
 * for V8's typed-array loops, ~20% of an NTK at n = 2000), else in TypeScript; both compute in double between
 * float32 loads and stores, so the two routes agree bit for bit (test/ntk/elementwise.test.ts).
 */
import { active } from '../../linalg/backend';
import { mirrorLower as mirrorLowerSquare } from '../../linalg/fallback/gemm';
import { applyActivation } from '../../models/activation-kernels';
import type { ActivationName } from '../../models/activations';

const NATIVE_KINDS: Partial<Record<ActivationName, number>> = { linear: 0, relu: 1, tanh: 2, sigmoid: 3 };

/** In place on z (rows x cols, row-major): z <- phi(z + bm b), slope <- phi'(z + bm b); b per column, or null. */
export function biasActivation(name: ActivationName, z: Float32Array, slope: Float32Array, cols: number, b: Float32Array | null, bm: number): void {
  const { addon } = active();
  const kind = NATIVE_KINDS[name];
  if (addon && kind !== undefined) addon.biasActivation(kind, z, slope, cols, b, bm);
  else applyActivation(name, z, slope, cols, b, bm);
}

/** d[(i k + a) cols + j] *= slope[i cols + j]: the backward pass's delta o phi'(z) for k output rows per example (n x cols slopes). */
export function multiplyRows(d: Float32Array, slope: Float32Array, n: number, k: number, cols: number): void {
  const { addon } = active();
  if (addon) return addon.multiplyRows(d, slope, n, k, cols);
  for (let i = 0; i < n; i++) {
    const srow = i * cols;
    for (let a = 0; a < k; a++) {
      const row = (i * k + a) * cols;
      for (let j = 0; j < cols; j++) d[row + j] *= slope[srow + j];
    }
  }
}

/**
 * total[p] += dg[p] (m2 hg[p] + bm2) over a rows x cols block (only j <= i when lower): one layer's weight and
 * bias terms. dg null (a linear output layer: its deltas' Gram is a constant, folded into m2 and bm2): total[p] += m2 hg[p] + bm2.
 */
export function accumulateLayer(total: Float32Array, dg: Float32Array | null, hg: Float32Array, m2: number, bm2: number, rows: number, cols: number, lower: boolean): void {
  const { addon } = active();
  if (addon) return addon.accumulateLayer(total, dg, hg, m2, bm2, rows, cols, lower);
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    const end = row + (lower ? Math.min(cols, i + 1) : cols);
    if (dg) for (let p = row; p < end; p++) total[p] += dg[p] * (m2 * hg[p] + bm2);
    else for (let p = row; p < end; p++) total[p] += m2 * hg[p] + bm2;
  }
}

/** Copies the lower triangle of a square R x R matrix (stride `s` between the `s` interleaved matrices) onto the upper one; one matrix is linalg's mirror. */
export function mirrorLower(x: Float32Array, R: number, s: number): void {
  if (s === 1) {
    const { addon } = active();
    return addon ? addon.mirrorLower32(x, R) : mirrorLowerSquare(x, R);
  }
  const B = 64;
  for (let c = 0; c < s; c++) {
    for (let i0 = 0; i0 < R; i0 += B) {
      const i1 = Math.min(R, i0 + B);
      for (let j0 = 0; j0 <= i0; j0 += B) {
        const j1 = Math.min(R, j0 + B);
        for (let i = i0; i < i1; i++) {
          const jEnd = Math.min(j1, i);
          for (let j = j0; j < jEnd; j++) x[(j * R + i) * s + c] = x[(i * R + j) * s + c];
        }
      }
    }
  }
}
