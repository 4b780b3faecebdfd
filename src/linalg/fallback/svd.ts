/**
 * Pure-TypeScript thin SVD (float64) for the fallback path: one-sided Jacobi (Hestenes). It orthogonalises
 * the columns of A by plane rotations; singular values are the final column norms. Slower than LAPACK's
 * divide and conquer but accurate to high relative precision, which suits ill-conditioned test matrices.
 */
import { LinalgError } from '../../errors';
import { transposeCopy } from './gemm';

export interface SvdParts {
  /** m x p row-major, p = min(m, n). */
  u: Float64Array;
  /** p singular values, descending. */
  s: Float64Array;
  /** p x n row-major. */
  vt: Float64Array;
}

/** Thin SVD of the m x n row-major `a`: A = U diag(s) V^T with p = min(m, n). `a` is not modified. */
export function svdFallback(a: Float64Array, m: number, n: number): SvdParts {
  if (m < n) {
    // SVD of A^T = V S U^T: swap roles so the Jacobi sweep always works on the shorter side.
    const t = svdFallback(transposeCopy(a, m, n), n, m);
    return { u: transposeCopy(t.vt, t.s.length, m), s: t.s, vt: transposeCopy(t.u, n, t.s.length) };
  }
  // m >= n. W holds the columns of A as contiguous rows (n x m); Vr accumulates V's columns as rows (n x n).
  const W = transposeCopy(a, m, n);
  const Vr = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Vr[i * n + i] = 1;
  const eps = 2 ** -52;
  let converged = n < 2;
  for (let sweep = 0; sweep < 80 && !converged; sweep++) {
    converged = true;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const wp = p * m, wq = q * m;
        let alpha = 0, beta = 0, gamma = 0;
        for (let k = 0; k < m; k++) {
          const x = W[wp + k], y = W[wq + k];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha * beta)) continue;
        converged = false;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let k = 0; k < m; k++) {
          const x = W[wp + k], y = W[wq + k];
          W[wp + k] = c * x - s * y;
          W[wq + k] = s * x + c * y;
        }
        const vp = p * n, vq = q * n;
        for (let k = 0; k < n; k++) {
          const x = Vr[vp + k], y = Vr[vq + k];
          Vr[vp + k] = c * x - s * y;
          Vr[vq + k] = s * x + c * y;
        }
      }
    }
  }
  if (!converged) throw new LinalgError('svd (fallback one-sided Jacobi): did not converge in 80 sweeps', 'jacobi-svd', 1);
  // Column norms are the singular values; sort descending.
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let ss = 0;
    for (let k = 0; k < m; k++) ss += W[j * m + k] ** 2;
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const s = new Float64Array(n);
  const Ur = new Float64Array(n * m); // U's columns as rows
  const vt = new Float64Array(n * n);
  const tiny = (norms[order[0]] ?? 0) * Math.max(m, n) * eps;
  for (let r = 0; r < n; r++) {
    const j = order[r];
    s[r] = norms[j];
    vt.set(Vr.subarray(j * n, j * n + n), r * n);
    if (norms[j] > tiny && norms[j] > 0) {
      for (let k = 0; k < m; k++) Ur[r * m + k] = W[j * m + k] / norms[j];
    } else {
      // A (numerically) zero singular value leaves its u column undetermined: complete U to an
      // orthonormal set so U^T U = I still holds for rank-deficient input.
      completeOrthonormal(Ur, r, m);
    }
  }
  return { u: transposeCopy(Ur, n, m), s, vt };
}

/** Fills row r of Ur (rows of length m) with a unit vector orthogonal to rows 0..r-1 (Gram-Schmidt on e_k). */
function completeOrthonormal(Ur: Float64Array, r: number, m: number): void {
  const row = r * m;
  for (let e = 0; e < m; e++) {
    Ur.fill(0, row, row + m);
    Ur[row + e] = 1;
    for (let pass = 0; pass < 2; pass++) {
      // Two passes of classical Gram-Schmidt give orthogonality to working precision.
      for (let i = 0; i < r; i++) {
        let dot = 0;
        for (let k = 0; k < m; k++) dot += Ur[i * m + k] * Ur[row + k];
        for (let k = 0; k < m; k++) Ur[row + k] -= dot * Ur[i * m + k];
      }
    }
    let nrm = 0;
    for (let k = 0; k < m; k++) nrm += Ur[row + k] ** 2;
    nrm = Math.sqrt(nrm);
    if (nrm > 0.5) {
      for (let k = 0; k < m; k++) Ur[row + k] /= nrm;
      return;
    }
  }
}
