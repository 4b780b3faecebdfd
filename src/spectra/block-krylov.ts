/**
 * Top-k eigenpairs of a symmetric operator by block Krylov with Rayleigh-Ritz (block Lanczos with full
 * reorthogonalisation, the projected matrix formed explicitly from the stored products), for operators whose every
 * application is expensive -- a pass over a tile store on disk: each pass applies the operator to a block of b
 * vectors, so b Krylov directions cost one read of the kernel instead of b (at n = 100,000 a pass reads 20 GB).
 *
 * The basis Q = [Q_0, Q_1, ...] (blocks of b orthonormal columns) and W = A Q are kept, so the Ritz pairs of
 * H = Q^T W and their residuals ||W y - theta Q y|| cost no extra pass. The next block is the newest W block
 * projected out of Q (twice) and orthonormalised (SVQB). When the basis reaches `maxBasis` columns it restarts
 * with the best k + b Ritz vectors (their products are W y: no pass) and continues from their residuals, which are
 * orthogonal to the old basis and span its next Krylov directions. A block of b >= the multiplicity of an
 * eigenvalue finds every copy of it (a single vector cannot).
 *
 *   const op = await TileStoreOperator.open(job, { workers: 2 });
 *   const { values, vectors, passes } = await blockTopEigen(op, { k: 10, block: 16, tol: 1e-8 });
 */
import { CancelledError, InvalidOptionError, MemoryBudgetError, NonFiniteError } from '../errors';
import { eigh, matmul, type Matrix } from '../linalg';
import { Rng } from '../random';
import { totalmem } from 'node:os';
import { columns, hstack, maxColumnNorm, projectOut, randomBlock, svqb } from './block-basis';
import type { BlockOperator } from './block-operator';

/** Options of blockTopEigen(). */
export interface BlockEigenOptions {
  /** Eigenpairs wanted (default 10). */
  k?: number;
  /** Vectors per pass b (default max(k, 8), at most n). */
  block?: number;
  /** Converged when ||A y - theta y|| <= tol max|theta| for each of the k pairs (default 1e-8). */
  tol?: number;
  /** Basis columns before a restart (default min(n, k + 6 b)). */
  maxBasis?: number;
  /** Give up after this many passes (default 60): result flagged converged: false. */
  maxPasses?: number;
  /** Seed of the random start block (default 0). */
  seed?: number;
  /** Refuse a basis whose Q and W (2 n maxBasis float64) exceed this many bytes (default half the machine's memory). */
  maxBytes?: number;
  signal?: AbortSignal;
  /** After each pass: passes so far, pairs converged, the current top-k Ritz values (descending). */
  onProgress?: (passes: number, converged: number, values: Float64Array) => void;
}

/** The k largest eigenpairs: values descending, vectors n x k (column j pairs with values[j]). */
export interface BlockEigenResult {
  values: Float64Array;
  vectors: Matrix<Float64Array>;
  /** ||A y_j - theta_j y_j|| (from the stored products). */
  residuals: Float64Array;
  /** Operator applications (passes over the store), each of `block` vectors or fewer. */
  passes: number;
  restarts: number;
  converged: boolean;
  block: number;
}

/** Top-k eigenpairs of a symmetric block operator (see the file comment). */
export async function blockTopEigen(op: BlockOperator, opts: BlockEigenOptions = {}): Promise<BlockEigenResult> {
  const n = op.n;
  const k = opts.k ?? 10;
  if (!Number.isSafeInteger(k) || k < 1 || k > n) throw new InvalidOptionError(`blockTopEigen: k must be an integer in 1..n = ${n}, got ${k}`);
  const b = Math.min(n, opts.block ?? Math.max(k, 8));
  if (!Number.isSafeInteger(b) || b < 1) throw new InvalidOptionError(`blockTopEigen: block must be a positive integer, got ${opts.block}`);
  const tol = opts.tol ?? 1e-8;
  if (!(tol > 0 && tol < 1)) throw new InvalidOptionError(`blockTopEigen: tol must be in (0, 1), got ${tol}`);
  const maxBasis = Math.min(n, opts.maxBasis ?? k + 6 * b);
  if (!Number.isSafeInteger(maxBasis) || maxBasis < Math.min(n, k + 2 * b)) {
    throw new InvalidOptionError(`blockTopEigen: maxBasis must be an integer >= k + 2 block = ${k + 2 * b} (or n), got ${opts.maxBasis}`);
  }
  const maxPasses = opts.maxPasses ?? 60;
  const budget = opts.maxBytes ?? totalmem() / 2;
  const need = 2 * n * (maxBasis + b) * 8;
  if (need > budget) throw new MemoryBudgetError(`blockTopEigen: a basis of ${maxBasis} columns at n = ${n} needs ${(need / 2 ** 30).toFixed(2)} GiB (Q and A Q), over ${(budget / 2 ** 30).toFixed(2)} GiB: lower maxBasis or block`, need, budget);
  const rng = new Rng(opts.seed ?? 0);

  const Q: Matrix<Float64Array>[] = [];
  const W: Matrix<Float64Array>[] = [];
  let passes = 0;
  let restarts = 0;
  let scale = 0;
  let frontier = svqb(randomBlock(rng, n, b), 1e-8);

  const applyChecked = async (x: Matrix<Float64Array>): Promise<Matrix<Float64Array>> => {
    if (opts.signal?.aborted) throw new CancelledError(`blockTopEigen cancelled after ${passes} passes`);
    const y = await op.apply(x);
    passes++;
    for (let i = 0; i < y.data.length; i++) if (y.data[i] - y.data[i] !== 0) throw new NonFiniteError(`blockTopEigen: the operator returned ${y.data[i]}`);
    return y;
  };
  /** Ritz pairs of the basis: the wanted ones' values, vectors X, products AX, residual norms. */
  const ritz = (count: number): { theta: Float64Array; X: Matrix<Float64Array>; AX: Matrix<Float64Array>; res: Float64Array } => {
    const Qm = hstack(Q);
    const Wm = hstack(W);
    const H = matmul(Qm, Wm, { transA: true, checkFinite: false });
    const m = H.rows;
    for (let i = 0; i < m; i++) for (let j = 0; j < i; j++) H.data[i * m + j] = H.data[j * m + i] = 0.5 * (H.data[i * m + j] + H.data[j * m + i]);
    const e = eigh(H, { vectors: true, checkSymmetric: false });
    const c = Math.min(count, m);
    const Y = new Float64Array(m * c);
    const theta = new Float64Array(c);
    const V = (e.vectors as Matrix<Float64Array>).data;
    for (let t = 0; t < c; t++) {
      const col = m - 1 - t; // ascending order: the largest last
      theta[t] = e.values[col];
      for (let i = 0; i < m; i++) Y[i * c + t] = V[i * m + col];
    }
    for (const v of e.values) scale = Math.max(scale, Math.abs(v));
    const Ym: Matrix<Float64Array> = { rows: m, cols: c, data: Y };
    const X = matmul(Qm, Ym, { checkFinite: false });
    const AX = matmul(Wm, Ym, { checkFinite: false });
    const res = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let t = 0; t < c; t++) res[t] += (AX.data[i * c + t] - theta[t] * X.data[i * c + t]) ** 2;
    for (let t = 0; t < c; t++) res[t] = Math.sqrt(res[t]);
    return { theta, X, AX, res };
  };

  let best: ReturnType<typeof ritz> | undefined;
  let converged = false;
  for (;;) {
    const wf = await applyChecked(frontier);
    Q.push(frontier);
    W.push(wf);
    const size = Q.reduce((s, q) => s + q.cols, 0);
    best = ritz(k);
    const done = best.res.filter((r) => r <= tol * scale).length;
    opts.onProgress?.(passes, done, best.theta);
    if (done === Math.min(k, size) && size >= k) {
      converged = true;
      break;
    }
    if (size >= n) {
      converged = true; // the basis spans the space: Rayleigh-Ritz is exact
      break;
    }
    if (passes >= maxPasses) break;
    let next: Matrix<Float64Array>;
    if (size + b > maxBasis) {
      // Restart on the best k + b Ritz vectors (A X known), continuing from the top b's residuals.
      restarts++;
      const keep = ritz(Math.min(size, k + b));
      Q.length = 0;
      W.length = 0;
      const kept = svqb(keep.X, 1e-8);
      // The kept Ritz vectors are orthonormal already (svqb only guards rounding): their products are A X.
      Q.push(kept.cols === keep.X.cols ? keep.X : kept);
      W.push(kept.cols === keep.X.cols ? keep.AX : await applyChecked(kept));
      const r = columns(keep.AX, 0, Math.min(b, keep.X.cols));
      const x = columns(keep.X, 0, r.cols);
      for (let i = 0; i < n; i++) for (let t = 0; t < r.cols; t++) r.data[i * r.cols + t] -= keep.theta[t] * x.data[i * r.cols + t];
      next = r;
    } else next = { rows: n, cols: wf.cols, data: Float64Array.from(wf.data) };
    const before = maxColumnNorm(next);
    projectOut(Q, next);
    let fresh = svqb(next, 1e-10 * Math.max(before, 1e-300));
    const room = Math.min(b, n - Q.reduce((s, q) => s + q.cols, 0));
    if (fresh.cols < room) {
      // Lost directions (an invariant subspace): fill the block with random ones orthogonal to the basis.
      const extra = randomBlock(rng, n, room - fresh.cols);
      projectOut(fresh.cols ? [...Q, fresh] : Q, extra);
      const add = svqb(extra, 1e-8);
      fresh = fresh.cols ? hstack([fresh, add]) : add;
    }
    if (fresh.cols === 0) {
      converged = true;
      break;
    }
    frontier = fresh;
  }
  const r = best!;
  return { values: r.theta, vectors: r.X, residuals: r.res, passes, restarts, converged, block: b };
}
