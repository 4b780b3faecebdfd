/**
 * Kernel ridge regression / GP posterior mean (neural-tangents' gp_inference, and gradient_descent_mse at
 * t = None): f_test = fx_test_0 + K_test_train (K_train + lambda I)^{-1} (y_train - fx_train_0), in float64.
 */
import { LinalgError, ShapeError } from '../errors';
import { eighAsync, matmulAsync, solvePositiveDefiniteAsync, type Matrix } from '../linalg';
import { addBlockResult, blockRhs, buildProblem } from './problem';
import { addDiagonal, checkNonNegative, diagonalShift, residual } from './regularize';
import type { KernelLike, KernelRidgeOptions, TargetsLike } from './types';

const EPS = 2 ** -52;

/**
 * Kernel ridge predictions (m x k, float64) from Ktrain (n x n 'trace' / nk x nk 'full' / [n, n, k] 'diagonal'),
 * ytrain (n x k) and KtestTrain (m x n / mk x nk / [m, n, k]), with K + lambda I (lambda >= 0, absolute by default).
 */
export async function kernelRidge(
  Ktrain: KernelLike,
  ytrain: TargetsLike,
  KtestTrain: KernelLike,
  lambda: number,
  opts: KernelRidgeOptions = {},
): Promise<Matrix<Float64Array>> {
  const fn = 'kernelRidge';
  checkNonNegative(fn, 'lambda', lambda);
  if (KtestTrain === undefined) throw new ShapeError(`${fn}: KtestTrain is required (pass Ktrain itself for predictions on the training inputs)`);
  const p = buildProblem(fn, Ktrain, ytrain, KtestTrain, opts);
  const r = residual(p.y, p.fxTrain0);
  const out: Matrix<Float64Array> = { rows: p.m, cols: p.k, data: Float64Array.from(p.fxTest0.data) };
  for (const b of p.blocks) {
    const shift = diagonalShift(fn, 'lambda', lambda, opts.lambdaScale, b.train);
    const alpha = await solveRegularized(fn, addDiagonal(b.train, shift), blockRhs(b, r), lambda);
    // b.test exists: KtestTrain was checked above and every block got its slice.
    addBlockResult(b.column, out, await matmulAsync(b.test as Matrix<Float64Array>, alpha));
  }
  return out;
}

/**
 * X with A X = B by Cholesky. If Cholesky fails, the eigendecomposition decides: a matrix that is positive
 * definite to working precision (every eigenvalue > N eps lambda_max) is solved in its eigenbasis with a
 * warning; otherwise LinalgError names the eigenvalue range, since any answer would be rounding noise.
 */
async function solveRegularized(fn: string, a: Matrix<Float64Array>, b: Matrix<Float64Array>, lambda: number): Promise<Matrix<Float64Array>> {
  try {
    return await solvePositiveDefiniteAsync(a, b);
  } catch (e) {
    if (!(e instanceof LinalgError) || !e.routine.endsWith('potrf')) throw e;
    const n = a.rows;
    const { values, vectors } = await eighAsync(a, { vectors: true, checkSymmetric: false });
    const lo = values[0];
    const hi = values[n - 1];
    const tol = n * EPS * Math.max(Math.abs(lo), Math.abs(hi));
    if (lo <= tol) {
      throw new LinalgError(
        `${fn}: Ktrain + lambda I is not positive definite (Cholesky failed at the leading minor of order ${e.info}): its eigenvalues run from ${lo.toExponential(3)} to ${hi.toExponential(3)} with lambda = ${lambda}; ` +
          `raise lambda by at least ${(2 * tol - lo).toExponential(1)} (absolute units), or use gradientDescentMse(...).at(Infinity) for the minimum-norm (pseudo-inverse) interpolant`,
        e.routine,
        e.info,
      );
    }
    process.emitWarning(`${fn}: Cholesky of Ktrain + lambda I failed (leading minor ${e.info}) although its eigenvalues are positive (${lo.toExponential(3)} .. ${hi.toExponential(3)}); solved by eigendecomposition instead, condition number ${(hi / lo).toExponential(2)}`, 'NtkLabWarning');
    return eigenSolve(values, vectors as Matrix<Float64Array>, b);
  }
}

/** X = V diag(1 / values) V^T B. */
async function eigenSolve(values: Float64Array, v: Matrix<Float64Array>, b: Matrix<Float64Array>): Promise<Matrix<Float64Array>> {
  const c = await matmulAsync(v, b, { transA: true });
  for (let i = 0; i < c.rows; i++) for (let j = 0; j < c.cols; j++) c.data[i * c.cols + j] /= values[i];
  return matmulAsync(v, c);
}
