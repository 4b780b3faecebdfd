/**
 * Plain-TypeScript matrix products for the fallback path (no addon). Both operands are first brought to
 * "rows are contiguous" form (A as m x k, B as n x k), so every output element is a dot product of two
 * contiguous rows: that reads memory in order, lets V8 keep 8 accumulators in registers (a 2 x 4 tile),
 * and sums in double even for float32 data. The copies cost O(mk + nk) against O(mnk) arithmetic.
 * Typical speed: ~1-2 GFLOP/s, so 2000 x 2000 x 784 takes a few seconds; the addon is ~100x faster.
 */
import type { FloatArray } from '../matrix';

/** Returns a row-major (cols x rows) transposed copy of the rows x cols array `x`, in x's precision. */
export function transposeCopy<T extends FloatArray>(x: T, rows: number, cols: number): T {
  const out = (x instanceof Float32Array ? new Float32Array(rows * cols) : new Float64Array(rows * cols)) as T;
  const B = 32; // tile so that both the read and the write side stay in cache
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(rows, i0 + B);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(cols, j0 + B);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * rows + i] = x[i * cols + j];
      }
    }
  }
  return out;
}

/**
 * C[i*n + j] = alpha * dot(A[i, :], B[j, :]) for A (m x k) and B (n x k), both row-major.
 * With lowerOnly (used by gram, where A === B), only j <= i is computed.
 */
function rowDots(A: FloatArray, B: FloatArray, C: FloatArray, m: number, n: number, k: number, alpha: number, lowerOnly: boolean): void {
  const JB = 64; // rows of B kept hot in cache while all rows of A stream past
  for (let j0 = 0; j0 < n; j0 += JB) {
    const j1 = Math.min(n, j0 + JB);
    let i = lowerOnly ? j0 : 0;
    for (; i + 1 < m; i += 2) {
      const a0 = i * k;
      const a1 = a0 + k;
      const jEnd = lowerOnly ? Math.min(j1, i + 2) : j1;
      let j = j0;
      for (; j + 3 < jEnd; j += 4) {
        const b0 = j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
        let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
        for (let p = 0; p < k; p++) {
          const x0 = A[a0 + p], x1 = A[a1 + p];
          const y0 = B[b0 + p], y1 = B[b1 + p], y2 = B[b2 + p], y3 = B[b3 + p];
          s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
          s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        }
        const c0 = i * n + j, c1 = c0 + n;
        C[c0] = alpha * s00; C[c0 + 1] = alpha * s01; C[c0 + 2] = alpha * s02; C[c0 + 3] = alpha * s03;
        C[c1] = alpha * s10; C[c1 + 1] = alpha * s11; C[c1 + 2] = alpha * s12; C[c1 + 3] = alpha * s13;
      }
      for (; j < jEnd; j++) {
        const b0 = j * k;
        let s0 = 0, s1 = 0;
        for (let p = 0; p < k; p++) {
          const y = B[b0 + p];
          s0 += A[a0 + p] * y;
          s1 += A[a1 + p] * y;
        }
        C[i * n + j] = alpha * s0;
        C[(i + 1) * n + j] = alpha * s1;
      }
    }
    for (; i < m; i++) {
      const a0 = i * k;
      const jEnd = lowerOnly ? Math.min(j1, i + 1) : j1;
      for (let j = j0; j < jEnd; j++) {
        const b0 = j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += A[a0 + p] * B[b0 + p];
        C[i * n + j] = alpha * s;
      }
    }
  }
}

/**
 * C (m x n, row-major, overwritten) = alpha * op(A) op(B), with op(A) m x k and op(B) k x n.
 * A is m x k (or k x m when transA); B is k x n (or n x k when transB).
 */
export function gemmFallback(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: FloatArray, b: FloatArray, c: FloatArray): void {
  const A = transA ? transposeCopy(a, k, m) : a;
  const Bt = transB ? b : transposeCopy(b, k, n);
  rowDots(A, Bt, c, m, n, k, alpha, false);
}

/**
 * C (n x n, both triangles filled) = alpha * A A^T for A n x k, or alpha * A^T A for A k x n when trans.
 */
export function syrkFallback(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, c: FloatArray): void {
  const A = trans ? transposeCopy(a, k, n) : a;
  rowDots(A, A, c, n, n, k, alpha, true);
  // The 2x2 tiles may have written a few entries above the diagonal; the mirror below overwrites them
  // with the identical lower values, so the result is exactly symmetric.
  mirrorLower(c, n);
}

/** Copies the lower triangle of the n x n row-major array onto the upper one (tiled for the cache). */
export function mirrorLower(c: FloatArray, n: number): void {
  const B = 32;
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i);
        for (let j = j0; j < jEnd; j++) c[j * n + i] = c[i * n + j];
      }
    }
  }
}
