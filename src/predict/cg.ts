/**
 * Conjugate gradients for (K + lambda I) A = Y with many right-hand sides, for kernels applied as operators (a
 * tile store on disk, or a dense matrix): each iteration applies K once to the block of search directions of the
 * columns not yet converged -- one pass over the store for all of them. Each column runs its own (preconditioned)
 * CG recurrence (Hestenes & Stiefel 1952); a column stops when ||r|| <= tol ||y||.
 *
 *   const op = await TileStoreOperator.open(job);
 *   const pre = await nystromPreconditioner(op, 1e-3, { rank: 100 });
 *   const { solution, iterations, history } = await conjugateGradient(op, y, { ridge: 1e-3, preconditioner: pre });
 */
import { CancelledError, InvalidOptionError, NonFiniteError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import type { BlockOperator } from '../spectra/block-operator';
import type { Preconditioner } from './preconditioners';

/** Options of conjugateGradient(). */
export interface CgOptions {
  /** lambda >= 0 of K + lambda I (absolute, as kernelRidge's default). */
  ridge?: number;
  /** Relative residual ||Y - (K + lambda I) A||_2 / ||Y||_2 per column to stop at (default 1e-8). */
  tol?: number;
  /** Iterations (passes) at most (default min(n, 500)). */
  maxIterations?: number;
  preconditioner?: Preconditioner;
  signal?: AbortSignal;
  /** After each iteration: (iteration, largest relative residual of the columns, columns converged). */
  onIteration?: (iteration: number, maxRelativeResidual: number, converged: number) => void;
}

/** The solution and how it was reached. */
export interface CgResult {
  /** A, n x k float64. */
  solution: Matrix<Float64Array>;
  /** Iterations = operator passes made. */
  iterations: number;
  /** Each column's iterations to convergence (or the last iteration). */
  columnIterations: Int32Array;
  converged: boolean;
  /** Largest relative residual over the columns after each iteration (history[0]: before the first). */
  history: Float64Array;
  /** Final relative residual of each column (by the recurrence). */
  residuals: Float64Array;
}

/** Solves (K + ridge I) A = Y for every column of Y by (preconditioned) CG on a block operator (see the file comment). */
export async function conjugateGradient(op: BlockOperator, y: Matrix, opts: CgOptions = {}): Promise<CgResult> {
  const n = op.n;
  if (y.rows !== n || y.data.length !== y.rows * y.cols || y.cols < 1) throw new ShapeError(`conjugateGradient: Y must be ${n} x k (k >= 1), got ${y.rows} x ${y.cols}`);
  const k = y.cols;
  const ridge = opts.ridge ?? 0;
  if (!(ridge >= 0) || !Number.isFinite(ridge)) throw new InvalidOptionError(`conjugateGradient: ridge must be finite and >= 0, got ${ridge}`);
  const tol = opts.tol ?? 1e-8;
  if (!(tol > 0 && tol < 1)) throw new InvalidOptionError(`conjugateGradient: tol must be in (0, 1), got ${tol}`);
  const maxIt = opts.maxIterations ?? Math.min(n, 500);
  const pre = opts.preconditioner;
  // Columns as separate vectors: x (solution), r (residual), p (direction), and rz = r^T M^{-1} r.
  const col = (m: Matrix, j: number): Float64Array => Float64Array.from({ length: n }, (_, i) => m.data[i * m.cols + j]);
  const x = Array.from({ length: k }, () => new Float64Array(n));
  const r = Array.from({ length: k }, (_, j) => col(y, j));
  const ynorm = r.map((v) => Math.sqrt(v.reduce((s, t) => s + t * t, 0)) || 1);
  const precondition = (ids: number[]): Float64Array[] => {
    if (!pre) return ids.map((j) => Float64Array.from(r[j]));
    const c = ids.length;
    const block: Matrix<Float64Array> = { rows: n, cols: c, data: new Float64Array(n * c) };
    ids.forEach((j, t) => { for (let i = 0; i < n; i++) block.data[i * c + t] = r[j][i]; });
    const z = pre.apply(block);
    return ids.map((_, t) => col(z, t));
  };
  const all = Array.from({ length: k }, (_, j) => j);
  const z0 = precondition(all);
  const p = z0.map((z) => Float64Array.from(z));
  const rz = z0.map((z, j) => z.reduce((s, t, i) => s + t * r[j][i], 0));
  const rel = r.map((v, j) => Math.sqrt(v.reduce((s, t) => s + t * t, 0)) / ynorm[j]);
  const history: number[] = [Math.max(...rel)];
  const colIt = new Int32Array(k);
  let active = all.filter((j) => rel[j] > tol);
  let it = 0;
  while (active.length > 0 && it < maxIt) {
    if (opts.signal?.aborted) throw new CancelledError(`conjugateGradient cancelled after ${it} iterations`);
    const c = active.length;
    const P: Matrix<Float64Array> = { rows: n, cols: c, data: new Float64Array(n * c) };
    active.forEach((j, t) => { for (let i = 0; i < n; i++) P.data[i * c + t] = p[j][i]; });
    const AP = await op.apply(P);
    it++;
    active.forEach((j, t) => {
      const q = new Float64Array(n);
      let pq = 0;
      for (let i = 0; i < n; i++) {
        q[i] = AP.data[i * c + t] + ridge * p[j][i];
        pq += p[j][i] * q[i];
      }
      if (!(pq > 0)) throw new NonFiniteError(`conjugateGradient: p^T (K + lambda I) p = ${pq} in column ${j} at iteration ${it}: the operator is not positive definite (add a ridge)`);
      const alpha = rz[j] / pq;
      let rr = 0;
      for (let i = 0; i < n; i++) {
        x[j][i] += alpha * p[j][i];
        r[j][i] -= alpha * q[i];
        rr += r[j][i] * r[j][i];
      }
      rel[j] = Math.sqrt(rr) / ynorm[j];
      colIt[j] = it;
    });
    const still = active.filter((j) => rel[j] > tol);
    if (still.length) {
      const z = precondition(still);
      still.forEach((j, t) => {
        let rzNew = 0;
        for (let i = 0; i < n; i++) rzNew += r[j][i] * z[t][i];
        const beta = rzNew / rz[j];
        rz[j] = rzNew;
        for (let i = 0; i < n; i++) p[j][i] = z[t][i] + beta * p[j][i];
      });
    }
    active = still;
    history.push(Math.max(...rel));
    opts.onIteration?.(it, history[history.length - 1], k - active.length);
  }
  const sol = new Float64Array(n * k);
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) sol[i * k + j] = x[j][i];
  return { solution: { rows: n, cols: k, data: sol }, iterations: it, columnIterations: colIt, converged: active.length === 0, history: Float64Array.from(history), residuals: Float64Array.from(rel) };
}
