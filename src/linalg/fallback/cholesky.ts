/**
 * Pure-TypeScript Cholesky factorisation and positive-definite solve (float64) for the fallback path.
 * Row-oriented (Cholesky-Crout): every inner loop is a dot product of two contiguous rows of L.
 */
import { LinalgError } from '../../errors';

/**
 * Lower Cholesky factor of the symmetric positive-definite n x n row-major `a` (lower triangle read).
 * Returns a new array L (upper triangle zero). Throws LinalgError('potrf', j+1) like LAPACK when the
 * leading minor of order j+1 is not positive definite.
 */
export function choleskyFallback(a: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      if (i === j) {
        // `!(s > 0)` also catches NaN from an indefinite or non-finite input.
        if (!(s > 0)) {
          throw new LinalgError(`cholesky: the matrix is not positive definite (leading minor of order ${i + 1} is not positive; fallback potrf, info = ${i + 1})`, 'potrf', i + 1);
        }
        L[ri + i] = Math.sqrt(s);
      } else {
        L[ri + j] = s / L[rj + j];
      }
    }
  }
  return L;
}

/** Solves L L^T X = B in place: x (n x nrhs, row-major) holds B on entry and X on return. */
export function choleskySolveFallback(L: Float64Array, n: number, x: Float64Array, nrhs: number): void {
  // Forward: L Y = B, row by row; each update is a contiguous axpy over the right-hand sides.
  for (let i = 0; i < n; i++) {
    const xi = i * nrhs;
    for (let k = 0; k < i; k++) {
      const l = L[i * n + k];
      if (l === 0) continue;
      const xk = k * nrhs;
      for (let c = 0; c < nrhs; c++) x[xi + c] -= l * x[xk + c];
    }
    const dii = L[i * n + i];
    for (let c = 0; c < nrhs; c++) x[xi + c] /= dii;
  }
  // Backward: L^T X = Y; L^T(i, k) = L(k, i), so row i of X gathers from rows k > i.
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * nrhs;
    for (let k = i + 1; k < n; k++) {
      const l = L[k * n + i];
      if (l === 0) continue;
      const xk = k * nrhs;
      for (let c = 0; c < nrhs; c++) x[xi + c] -= l * x[xk + c];
    }
    const dii = L[i * n + i];
    for (let c = 0; c < nrhs; c++) x[xi + c] /= dii;
  }
}
