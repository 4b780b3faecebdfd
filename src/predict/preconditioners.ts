/**
 * Preconditioners for (K + lambda I) A = Y solved by conjugate gradients (cg.ts): M^{-1} applied to a block of
 * residuals (n x c, float64). Jacobi is 1 / (K_ii + lambda). The randomised Nystrom preconditioner (Frangella,
 * Tropp & Udell, "Randomized Nystrom preconditioning", SIAM J. Matrix Anal. Appl. 44 (2023); arXiv 2110.02820)
 * takes one operator pass over l Gaussian test vectors: K_nys = U diag(lhat) U^T (rank l), and
 *   M^{-1} = (lhat_l + lambda) U (diag(lhat) + lambda I)^{-1} U^T + (I - U U^T),
 * which makes (K + lambda I) well conditioned when K's spectrum decays past l.
 */
import { InvalidOptionError } from '../errors';
import { eigh, matmul, type Matrix } from '../linalg';
import { Rng } from '../random';
import type { BlockOperator } from '../spectra/block-operator';
import { svqb } from '../spectra/block-basis';

/** r (n x c) -> M^{-1} r (n x c), float64. */
export interface Preconditioner {
  readonly name: string;
  apply(r: Matrix<Float64Array>): Matrix<Float64Array>;
}

/** Jacobi: r_i / (d_i + lambda) for the kernel's diagonal d (from TileStoreOperator.stats() or the matrix). */
export function jacobiPreconditioner(diagonal: ArrayLike<number>, ridge: number): Preconditioner {
  const inv = Float64Array.from(diagonal, (d) => 1 / (d + ridge));
  inv.forEach((v, i) => {
    if (!(v > 0) || !Number.isFinite(v)) throw new InvalidOptionError(`jacobiPreconditioner: diagonal[${i}] + ridge = ${diagonal[i] + ridge} is not positive`);
  });
  return {
    name: 'jacobi',
    apply(r) {
      const c = r.cols;
      const out = new Float64Array(r.data.length);
      for (let i = 0; i < r.rows; i++) for (let j = 0; j < c; j++) out[i * c + j] = r.data[i * c + j] * inv[i];
      return { rows: r.rows, cols: c, data: out };
    },
  };
}

/** Options of nystromPreconditioner(). */
export interface NystromOptions {
  /** Rank l of the sketch (default 100, at most n): one pass of l vectors. */
  rank?: number;
  seed?: number;
}

/** The randomised Nystrom preconditioner of K + ridge I (one operator pass; see the file comment). */
export async function nystromPreconditioner(op: BlockOperator, ridge: number, opts: NystromOptions = {}): Promise<Preconditioner & { rank: number; eigenvalues: Float64Array }> {
  const n = op.n;
  const l = Math.min(n, opts.rank ?? 100);
  if (!Number.isSafeInteger(l) || l < 1) throw new InvalidOptionError(`nystromPreconditioner: rank must be a positive integer, got ${opts.rank}`);
  if (!(ridge > 0)) throw new InvalidOptionError(`nystromPreconditioner: ridge must be > 0, got ${ridge}`);
  const omega = svqb({ rows: n, cols: l, data: new Rng(opts.seed ?? 0).normals64(n * l) }, 1e-8);
  const Y = await op.apply(omega);
  let norm = 0;
  for (const v of Y.data) norm += v * v;
  // Shift nu = sqrt(n) eps ||Y||_F (the paper's eps(norm(Y))) keeps Omega^T Y_nu positive definite in rounding.
  const nu = Math.sqrt(n) * 2.2e-16 * Math.sqrt(norm);
  const Ynu = { rows: n, cols: omega.cols, data: Float64Array.from(Y.data, (v, i) => v + nu * omega.data[i]) };
  const c = omega.cols;
  const M = matmul(omega, Ynu, { transA: true, checkFinite: false });
  for (let i = 0; i < c; i++) for (let j = 0; j < i; j++) M.data[i * c + j] = M.data[j * c + i] = 0.5 * (M.data[i * c + j] + M.data[j * c + i]);
  // K_nys = Ynu M^{-1} Ynu^T = B B^T with B = Ynu Q D^{-1/2} (M = Q D Q^T); its eigenpairs from B^T B = V S^2 V^T.
  const em = eigh(M, { vectors: true, checkSymmetric: false });
  const Qm = (em.vectors as Matrix<Float64Array>).data;
  const keep = Array.from(em.values.keys()).filter((j) => em.values[j] > 1e-14 * em.values[c - 1]);
  const r = keep.length;
  const T = new Float64Array(c * r);
  keep.forEach((j, t) => {
    const s = 1 / Math.sqrt(em.values[j]);
    for (let i = 0; i < c; i++) T[i * r + t] = Qm[i * c + j] * s;
  });
  const B = matmul(Ynu, { rows: c, cols: r, data: T }, { checkFinite: false });
  const G = matmul(B, B, { transA: true, checkFinite: false });
  const eg = eigh(G, { vectors: true, checkSymmetric: false });
  const Vg = (eg.vectors as Matrix<Float64Array>).data;
  const cols = Array.from(eg.values.keys()).filter((j) => eg.values[j] > 0).reverse(); // descending
  const q = cols.length;
  const W = new Float64Array(r * q);
  const lhat = new Float64Array(q);
  cols.forEach((j, t) => {
    const sv = Math.sqrt(eg.values[j]);
    lhat[t] = Math.max(0, eg.values[j] - nu);
    for (let i = 0; i < r; i++) W[i * q + t] = Vg[i * r + j] / sv;
  });
  const U = matmul(B, { rows: r, cols: q, data: W }, { checkFinite: false }); // n x q, orthonormal columns
  const last = lhat[q - 1];
  const scaleU = Float64Array.from(lhat, (v) => (last + ridge) / (v + ridge) - 1);
  return {
    name: 'nystrom',
    rank: q,
    eigenvalues: lhat,
    apply(res) {
      // M^{-1} r = r + U (diag((l_q + mu) / (l + mu)) - I) U^T r
      const utr = matmul(U, res, { transA: true, checkFinite: false });
      for (let i = 0; i < q; i++) for (let j = 0; j < res.cols; j++) utr.data[i * res.cols + j] *= scaleU[i];
      const corr = matmul(U, utr, { checkFinite: false });
      const out = Float64Array.from(res.data, (v, i) => v + corr.data[i]);
      return { rows: res.rows, cols: res.cols, data: out };
    },
  };
}
