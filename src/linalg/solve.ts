/**
 * Cholesky factorisation and symmetric positive-definite solves in float64 (LAPACK dpotrf + two BLAS
 * dtrsm calls; fallback: TypeScript Cholesky-Crout and substitution). Ridge regression
 * (K + lambda I) X = Y is the main client.
 */
import { ShapeError } from '../errors';
import { active } from './backend';
import { choleskyFallback, choleskySolveFallback } from './fallback/cholesky';
import { runInWorker } from './fallback/pool';
import { checkInfo } from './lapackErrors';
import type { Matrix } from './matrix';
import { checkFinite, checkMatrix64, checkSquare } from './validate';

const ASYNC_MIN_N3 = 2 ** 18;

const notPd = (info: number): string => `the matrix is not positive definite: the leading minor of order ${info} is not positive`;

function planCholesky(fn: string, a: Matrix<Float64Array>): number {
  checkMatrix64(fn, 'a', a);
  const n = checkSquare(fn, 'a', a);
  checkFinite(fn, 'a', a);
  return n;
}

/** Lower Cholesky factor L (n x n, upper triangle zero) of the symmetric positive-definite a (n x n, lower triangle read): A = L L^T. */
export function cholesky(a: Matrix<Float64Array>): Matrix<Float64Array> {
  const n = planCholesky('cholesky', a);
  const { addon } = active();
  if (!addon) return { rows: n, cols: n, data: choleskyFallback(a.data, n) };
  const l = a.data.slice(); // dpotrf works in place
  if (n > 0) checkInfo('cholesky', 'dpotrf', addon.potrf(n, l, false) as number, notPd);
  return { rows: n, cols: n, data: l };
}

/** Like cholesky (L, n x n, A = L L^T), on a worker thread when n is not small. */
export async function choleskyAsync(a: Matrix<Float64Array>): Promise<Matrix<Float64Array>> {
  const n = planCholesky('choleskyAsync', a);
  if (n ** 3 < ASYNC_MIN_N3) return cholesky(a);
  const { addon } = active();
  if (!addon) return { rows: n, cols: n, data: (await runInWorker({ op: 'cholesky', n, a: a.data })).l as Float64Array };
  const r = await addon.potrf(n, a.data, true); // the addon works on its own copy and returns L
  checkInfo('choleskyAsync', 'dpotrf', r.info, notPd);
  return { rows: n, cols: n, data: r.outputs[0] as Float64Array };
}

function planSolve(fn: string, a: Matrix<Float64Array>, b: Matrix<Float64Array>): { n: number; nrhs: number } {
  const n = planCholesky(fn, a);
  checkMatrix64(fn, 'b', b);
  if (b.rows !== n) throw new ShapeError(`${fn}: b must have ${n} rows (a is ${n} x ${n}), got ${b.rows} x ${b.cols}`);
  checkFinite(fn, 'b', b);
  return { n, nrhs: b.cols };
}

/** X (n x nrhs) solving A X = B for symmetric positive-definite A (n x n, lower triangle read) and B (n x nrhs). */
export function solvePositiveDefinite(a: Matrix<Float64Array>, b: Matrix<Float64Array>): Matrix<Float64Array> {
  const { n, nrhs } = planSolve('solvePositiveDefinite', a, b);
  const x = b.data.slice(); // B is overwritten by X in place
  if (n === 0 || nrhs === 0) return { rows: n, cols: nrhs, data: x };
  const { addon } = active();
  if (!addon) {
    choleskySolveFallback(choleskyFallback(a.data, n), n, x, nrhs);
  } else {
    const l = a.data.slice();
    checkInfo('solvePositiveDefinite', 'dpotrf', addon.potrf(n, l, false) as number, notPd);
    addon.potrs(n, nrhs, l, x, false);
  }
  return { rows: n, cols: nrhs, data: x };
}

/** Like solvePositiveDefinite (X, n x nrhs), on a worker thread when n is not small. */
export async function solvePositiveDefiniteAsync(a: Matrix<Float64Array>, b: Matrix<Float64Array>): Promise<Matrix<Float64Array>> {
  const { n, nrhs } = planSolve('solvePositiveDefiniteAsync', a, b);
  if (n ** 3 < ASYNC_MIN_N3 || nrhs === 0) return solvePositiveDefinite(a, b);
  const { addon } = active();
  if (!addon) return { rows: n, cols: nrhs, data: (await runInWorker({ op: 'solve', n, nrhs, a: a.data, b: b.data })).x as Float64Array };
  const f = await addon.potrf(n, a.data, true);
  checkInfo('solvePositiveDefiniteAsync', 'dpotrf', f.info, notPd);
  const x = await addon.potrs(n, nrhs, f.outputs[0] as Float64Array, b.data, true);
  return { rows: n, cols: nrhs, data: x.outputs[0] as Float64Array };
}
