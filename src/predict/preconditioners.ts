/**
 * Preconditioners for (K + lambda I) A = Y solved by conjugate gradients (cg.ts): M^{-1} applied to a block of
 * residuals (n x c, float64). Jacobi is 1 / (K_ii + lambda). The randomised Nystrom preconditioner (Frangella,
 * Tropp & Udell, "Randomized Nystrom preconditioning", SIAM J. Matrix Anal. Appl. 44 (2023); arXiv 2110.02820)
 * takes one operator pass over l Gaussian test vectors: K_nys = U diag(lhat) U^T (rank l), and
 *   M^{-1} = (lhat_l + lambda) U (diag(lhat) + lambda I)^{-1} U^T + (I - U U^T),
 * which makes (K + lambda I) well conditioned when K's spectrum decays past l. Pivoted Cholesky (greedy on the
 * diagonal) reads r columns of K instead of a pass: M = L L^T + lambda I, inverted by Woodbury.
 */
import { InvalidOptionError, MemoryBudgetError, ShapeError } from '../errors';
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

/** A symmetric kernel read by its diagonal and by columns (TileStoreOperator has both; denseColumnSource wraps a matrix). */
export interface ColumnSource {
  /** Order n. */
  readonly n: number;
  /** K's diagonal, length n. */
  diagonal(): Promise<Float64Array>;
  /** K[:, js], n x js.length float64 (row-major). */
  columns(js: readonly number[]): Promise<Matrix<Float64Array>>;
}

/** The diagonal and columns of a square matrix held in memory (float32 or float64; read as float64). */
export function denseColumnSource(a: Matrix): ColumnSource {
  const n = a.rows;
  if (a.cols !== n || a.data.length !== n * n) throw new ShapeError(`denseColumnSource: a must be square, got ${a.rows} x ${a.cols}`);
  return {
    n,
    async diagonal() {
      return Float64Array.from({ length: n }, (_, i) => a.data[i * n + i]);
    },
    async columns(js) {
      const c = js.length;
      const out = new Float64Array(n * c);
      js.forEach((j, q) => {
        if (!Number.isSafeInteger(j) || j < 0 || j >= n) throw new ShapeError(`denseColumnSource: column ${j} is outside 0..${n - 1}`);
        for (let i = 0; i < n; i++) out[i * c + q] = a.data[i * n + j];
      });
      return { rows: n, cols: c, data: out };
    },
  };
}

/** Options of pivotedCholeskyPreconditioner(). */
export interface PivotedCholeskyOptions {
  /** Rank r of the factor L (n x r; default min(n, 100)). */
  rank?: number;
  /** Stop early once the largest residual diagonal is <= tol times the largest diagonal of K (default 0). */
  tol?: number;
  /**
   * Pivot candidates read per request (default 1: the textbook greedy choice). With b > 1 the b largest residual
   * diagonals' columns are read together (one read of the tiles they share) and factored greedily among themselves.
   */
  block?: number;
  /** Refuse an n x r factor over this many bytes (default 2 GiB). */
  maxBytes?: number;
  /** After each pivot: (pivots so far, rank asked for, largest residual diagonal). */
  onProgress?: (pivots: number, rank: number, residualMax: number) => void;
}

/** The factor itself, for inspection. */
export interface PivotedCholeskyFactor {
  /** L, n x r float64 (row-major): K ~ L L^T, exact on the pivots' rows and columns. */
  factor: Matrix<Float64Array>;
  /** Pivot rows in the order chosen. */
  pivots: Int32Array;
  /** Largest residual diagonal of K - L L^T after each pivot (trace units of K: the same as K's entries). */
  residualMax: Float64Array;
  /** tr(K - L L^T) at the end. */
  residualTrace: number;
}

/**
 * Greedy pivoted Cholesky factor K ~ L L^T (Harbrecht, Peters & Schneider 2012): each step takes the largest residual
 * diagonal d_p as pivot, reads column p of K and sets L[:, s] = (K[:, p] - L L[p, :]^T) / sqrt(d_p). Cost: r columns
 * read (on a tile store, r block columns of tiles unless `block` groups them), O(n r^2) flops, n r float64 of memory.
 */
export async function pivotedCholesky(source: ColumnSource, opts: PivotedCholeskyOptions = {}): Promise<PivotedCholeskyFactor> {
  const n = source.n;
  const r = Math.min(n, opts.rank ?? 100);
  if (!Number.isSafeInteger(r) || r < 1) throw new InvalidOptionError(`pivotedCholesky: rank must be a positive integer, got ${opts.rank}`);
  const tol = opts.tol ?? 0;
  if (!(tol >= 0 && tol < 1)) throw new InvalidOptionError(`pivotedCholesky: tol must be in [0, 1), got ${tol}`);
  const block = opts.block ?? 1;
  if (!Number.isSafeInteger(block) || block < 1) throw new InvalidOptionError(`pivotedCholesky: block must be a positive integer, got ${opts.block}`);
  const maxBytes = opts.maxBytes ?? 2 * 2 ** 30;
  if (n * r * 8 > maxBytes) throw new MemoryBudgetError(`pivotedCholesky: an ${n} x ${r} factor needs ${((n * r * 8) / 2 ** 30).toFixed(2)} GiB, over the budget of ${(maxBytes / 2 ** 30).toFixed(2)} GiB: lower rank`, n * r * 8, maxBytes);
  const d = Float64Array.from(await source.diagonal());
  if (d.length !== n) throw new ShapeError(`pivotedCholesky: the diagonal has ${d.length} entries, the source order is ${n}`);
  const top = d.reduce((a, b) => Math.max(a, b), 0);
  if (!(top > 0)) throw new InvalidOptionError('pivotedCholesky: the kernel has no positive diagonal entry');
  const L = new Float64Array(n * r); // row-major n x r: L[i * r + s]
  const pivots: number[] = [];
  const residualMax: number[] = [];
  const used = new Uint8Array(n);
  let s = 0;
  const argmax = (cands: Iterable<number>): number => {
    let best = -1;
    for (const i of cands) if (!used[i] && (best < 0 || d[i] > d[best])) best = i;
    return best;
  };
  outer: while (s < r) {
    // Candidates: the `block` largest residual diagonals not yet pivots (block 1: the argmax, no sort of n).
    const first = argmax(d.keys());
    const order = block === 1 ? (first >= 0 ? [first] : []) : Array.from(d.keys()).filter((i) => !used[i]).sort((a, b) => d[b] - d[a]).slice(0, Math.min(block, r - s));
    if (!order.length || d[order[0]] <= tol * top || !(d[order[0]] > 0)) break;
    const cols = await source.columns(order);
    const c = order.length;
    const left = new Set(order.map((_, q) => q));
    while (left.size && s < r) {
      let q = -1;
      for (const t of left) if (q < 0 || d[order[t]] > d[order[q]]) q = t;
      const p = order[q];
      const dp = d[p];
      if (dp <= tol * top || !(dp > 0)) break outer;
      left.delete(q);
      const inv = 1 / Math.sqrt(dp);
      // L[:, s] = (K[:, p] - L[:, :s] L[p, :s]^T) / sqrt(d_p)
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let t = 0; t < s; t++) dot += L[i * r + t] * L[p * r + t];
        L[i * r + s] = (cols.data[i * c + q] - dot) * inv;
      }
      for (let i = 0; i < n; i++) d[i] -= L[i * r + s] ** 2;
      used[p] = 1;
      d[p] = 0; // exact after the step; rounding would leave a tiny residue
      pivots.push(p);
      const next = argmax(d.keys());
      residualMax.push(next >= 0 ? Math.max(0, d[next]) : 0);
      s++;
      opts.onProgress?.(s, r, residualMax[s - 1]);
    }
  }
  const rank = s;
  const factor = new Float64Array(n * rank);
  for (let i = 0; i < n; i++) for (let t = 0; t < rank; t++) factor[i * rank + t] = L[i * r + t];
  let residualTrace = 0;
  for (let i = 0; i < n; i++) if (!used[i]) residualTrace += Math.max(0, d[i]);
  return { factor: { rows: n, cols: rank, data: factor }, pivots: Int32Array.from(pivots), residualMax: Float64Array.from(residualMax), residualTrace };
}

/**
 * The pivoted-Cholesky preconditioner of K + ridge I: M = L L^T + ridge I (L from pivotedCholesky, n x r), applied by
 * Woodbury as M^{-1} r = (r - L (ridge I + L^T L)^{-1} L^T r) / ridge: O(n r) per column after an r x r eigh.
 */
export async function pivotedCholeskyPreconditioner(source: ColumnSource, ridge: number, opts: PivotedCholeskyOptions = {}): Promise<Preconditioner & PivotedCholeskyFactor & { rank: number }> {
  if (!(ridge > 0) || !Number.isFinite(ridge)) throw new InvalidOptionError(`pivotedCholeskyPreconditioner: ridge must be finite and > 0, got ${ridge}`);
  const f = await pivotedCholesky(source, opts);
  const L = f.factor;
  const q = L.cols;
  const G = matmul(L, L, { transA: true, checkFinite: false });
  for (let i = 0; i < q; i++) G.data[i * q + i] += ridge;
  const e = eigh(G, { vectors: true, checkSymmetric: false });
  const W = (e.vectors as Matrix<Float64Array>).data;
  // C = W diag(1/s)^{1/2}: then L (ridge I + L^T L)^{-1} L^T = (L C)(L C)^T.
  const C = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) C[i * q + j] = W[i * q + j] / Math.sqrt(e.values[j]);
  const LC = matmul(L, { rows: q, cols: q, data: C }, { checkFinite: false });
  return {
    ...f,
    name: 'pivoted-cholesky',
    rank: q,
    apply(res) {
      const t = matmul(LC, res, { transA: true, checkFinite: false });
      const corr = matmul(LC, t, { checkFinite: false });
      return { rows: res.rows, cols: res.cols, data: Float64Array.from(res.data, (v, i) => (v - corr.data[i]) / ridge) };
    },
  };
}
