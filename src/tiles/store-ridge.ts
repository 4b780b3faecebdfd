/**
 * Kernel ridge regression with a kernel that lives only on disk: alpha = (K + lambda I)^{-1} Y by block CG on the
 * tile store (one pass per iteration for every column of Y), preconditioned by randomized Nystrom (one extra pass),
 * Jacobi (the diagonal from one statistics pass), pivoted Cholesky (r columns' block columns of tiles) or nothing; fitted values K alpha = Y - lambda alpha (the solved
 * equation, to CG's tolerance), and predictions K(x*, x) alpha from a cross-kernel job whose x2 is this job's x1.
 *
 *   const train = await TileStoreOperator.open('runs/train');
 *   const test = await TileStoreOperator.open('runs/test-train');   // planned with x1 = test inputs, x2 = training inputs
 *   const r = await kernelRidgeOnStore(train, y, { ridge: 1e-3, cross: test });  // r.alpha, r.fitted, r.predictions
 */
import { InvalidOptionError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import { conjugateGradient, type CgResult } from '../predict/cg';
import { jacobiPreconditioner, nystromPreconditioner, pivotedCholeskyPreconditioner, type Preconditioner } from '../predict/preconditioners';
import type { TileStoreOperator } from './store-operator';

/** Options of kernelRidgeOnStore(). */
export interface StoreRidgeOptions {
  /** lambda > 0 (absolute: K + lambda I). */
  ridge: number;
  /** 'nystrom' (default), 'jacobi', 'pivoted-cholesky' or 'none'. */
  preconditioner?: 'nystrom' | 'jacobi' | 'pivoted-cholesky' | 'none';
  /** Nystrom or pivoted-Cholesky rank (default min(n, 200)). */
  rank?: number;
  /** Pivoted Cholesky: pivot columns read together (default 1; see pivotedCholesky's `block`). */
  pivotBlock?: number;
  /** Pivoted Cholesky: after each pivot (pivots so far, rank). */
  onPivot?: (pivots: number, rank: number) => void;
  tol?: number;
  maxIterations?: number;
  seed?: number;
  /** A cross-kernel job's operator K(x*, x) (rows x*, columns this job's examples): predictions for x*. */
  cross?: TileStoreOperator;
  onIteration?: (iteration: number, maxRelativeResidual: number, converged: number) => void;
  signal?: AbortSignal;
}

/** The ridge solution and what came with it. */
export interface StoreRidgeResult {
  /** n x k dual coefficients. */
  alpha: Matrix<Float64Array>;
  /** n x k fitted values on the training examples, Y - lambda alpha. */
  fitted: Matrix<Float64Array>;
  /** m x k predictions K(x*, x) alpha (with `cross`). */
  predictions?: Matrix<Float64Array>;
  cg: CgResult;
  preconditioner: string;
  /** Passes over the training store (preconditioner and CG) and over the cross store. */
  passes: number;
}

/** Kernel ridge regression on a tile store by preconditioned CG (see the file comment). */
export async function kernelRidgeOnStore(train: TileStoreOperator, y: Matrix, opts: StoreRidgeOptions): Promise<StoreRidgeResult> {
  if (!train.symmetric) throw new InvalidOptionError(`${train.job.dir}: a cross kernel K(x1, x2); kernel ridge needs the training kernel K(x, x) (a job planned without x2)`);
  if (y.rows !== train.n) throw new ShapeError(`kernelRidgeOnStore: targets have ${y.rows} rows, the kernel is ${train.n} x ${train.n}`);
  if (!(opts.ridge > 0)) throw new InvalidOptionError(`kernelRidgeOnStore: ridge must be > 0, got ${opts.ridge}`);
  if (opts.cross) {
    const c = opts.cross.job.manifest;
    const t = train.job.manifest;
    if (opts.cross.cols !== train.n) throw new ShapeError(`${opts.cross.job.dir}: its kernel has ${opts.cross.cols} columns; predictions need K(x*, x) with the training job's ${train.n} examples as x2`);
    // The inputs files differ in their metadata (x1 / x2): compare the examples themselves.
    const x2 = (await opts.cross.job.inputs()).x2;
    const x1 = (await train.job.inputs()).x1;
    const same = x2 !== null && x2.data.length === x1.data.length && x2.data.every((v, i) => Object.is(v, x1.data[i]));
    if (!same) throw new InvalidOptionError(`${opts.cross.job.dir}: its x2 is not ${train.job.dir}'s x1 (the examples differ): plan the cross job with x2 = the training inputs`);
    const models = (m: typeof c): string => m.model.files.map((f) => m.files[f]?.sha256).join(',');
    if (models(c) !== models(t)) throw new InvalidOptionError(`${opts.cross.job.dir}: another model than ${train.job.dir}'s (model files' sha256 differ)`);
  }
  const y64: Matrix<Float64Array> = y.data instanceof Float64Array ? (y as Matrix<Float64Array>) : { rows: y.rows, cols: y.cols, data: Float64Array.from(y.data) };
  const kind = opts.preconditioner ?? 'nystrom';
  const before = train.passes;
  let pre: Preconditioner | undefined;
  if (kind === 'nystrom') pre = await nystromPreconditioner(train, opts.ridge, { rank: opts.rank ?? Math.min(train.n, 200), seed: opts.seed });
  else if (kind === 'jacobi') pre = jacobiPreconditioner(await train.diagonal(), opts.ridge); // the diagonal tiles only, not a whole pass
  else if (kind === 'pivoted-cholesky') pre = await pivotedCholeskyPreconditioner(train, opts.ridge, { rank: opts.rank ?? Math.min(train.n, 200), block: opts.pivotBlock, onProgress: opts.onPivot });
  else if (kind !== 'none') throw new InvalidOptionError(`preconditioner must be 'nystrom', 'jacobi', 'pivoted-cholesky' or 'none', got '${String(kind)}'`);
  const cg = await conjugateGradient(train, y64, { ridge: opts.ridge, tol: opts.tol, maxIterations: opts.maxIterations, preconditioner: pre, onIteration: opts.onIteration, signal: opts.signal });
  const alpha = cg.solution;
  const fitted = { rows: alpha.rows, cols: alpha.cols, data: Float64Array.from(y64.data, (v, i) => v - opts.ridge * alpha.data[i]) };
  let passes = train.passes - before;
  const out: StoreRidgeResult = { alpha, fitted, cg, preconditioner: kind, passes };
  if (opts.cross) {
    out.predictions = await opts.cross.apply(alpha);
    passes++;
    out.passes = passes;
  }
  return out;
}
