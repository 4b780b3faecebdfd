/**
 * Ridge regression on given features in float64 by Cholesky (LAPACK dpotrf/dpotrs), in whichever form is smaller:
 *   primal: c = (F^T F + s I_p)^{-1} F^T y        (p x p system, p = features)
 *   dual:   c = F^T (F F^T + s I_n)^{-1} y        (n x n system, n = examples)
 * The two are equal (push-through identity); `solver` forces one (the tests compare them).
 * The second layer of Ba et al. 2022 (section 2) is fitted with the loss (1/n)||Phi a - y||^2 + (lambda/N)||a||^2
 * on Phi = sigma(X W1) / sqrt(N), i.e. a = (Phi^T Phi + (n lambda / N) I)^{-1} Phi^T y: shift s = n lambda / N.
 */
import { InvalidOptionError, NonFiniteError, ShapeError } from '../errors';
import { type Matrix, gramAsync, solvePositiveDefiniteAsync } from '../linalg';
import { matTVec, matVec } from './vectors';

/** 'primal' (p x p), 'dual' (n x n) or 'auto' (the smaller; primal on ties). */
export type RidgeSolver = 'primal' | 'dual' | 'auto';

/** Coefficients of a ridge fit, one vector per shift. */
export interface RidgeFit {
  /** coefficients[k]: length p (= F.cols), for shifts[k]. */
  coefficients: Float64Array[];
  /** The system that was solved. */
  solver: 'primal' | 'dual';
}

function checkShifts(fn: string, name: string, shifts: readonly number[]): void {
  if (shifts.length === 0) throw new InvalidOptionError(`${fn}: ${name} is empty`);
  shifts.forEach((s, i) => {
    if (!(Number.isFinite(s) && s > 0)) throw new InvalidOptionError(`${fn}: ${name}[${i}] must be a finite number > 0, got ${s}`);
  });
}

/** For F (n x p) and y (n): c = argmin ||F c - y||^2 + s ||c||^2 (length p) for each shift s > 0 (one Gram, one Cholesky per shift). */
export async function ridgeRegression(F: Matrix<Float64Array>, y: ArrayLike<number>, shifts: readonly number[], options: { solver?: RidgeSolver } = {}): Promise<RidgeFit> {
  const fn = 'ridgeRegression';
  if (!(F.data instanceof Float64Array) || F.data.length !== F.rows * F.cols) throw new ShapeError(`${fn}: F must be a float64 Matrix, got ${F.rows} x ${F.cols}`);
  const { rows: n, cols: p } = F;
  if (y.length !== n) throw new ShapeError(`${fn}: y has length ${y.length}, F has ${n} rows`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) throw new NonFiniteError(`${fn}: y[${i}] is ${y[i]}`);
  checkShifts(fn, 'shifts', shifts);
  const asked = options.solver ?? 'auto';
  if (!['primal', 'dual', 'auto'].includes(asked)) throw new InvalidOptionError(`${fn}: solver must be 'primal', 'dual' or 'auto', got '${asked}'`);
  const solver = asked === 'auto' ? (p <= n ? 'primal' : 'dual') : asked;

  const gram = await gramAsync(F, { trans: solver === 'primal' }); // F^T F (p x p) or F F^T (n x n)
  const m = gram.rows;
  const rhs = solver === 'primal' ? matTVec(F, y) : Float64Array.from(y);
  const coefficients: Float64Array[] = [];
  for (const shift of shifts) {
    const a = gram.data.slice();
    for (let i = 0; i < m; i++) a[i * m + i] += shift;
    const x = await solvePositiveDefiniteAsync({ rows: m, cols: m, data: a }, { rows: m, cols: 1, data: rhs });
    coefficients.push(solver === 'primal' ? x.data : matTVec(F, x.data));
  }
  return { coefficients, solver };
}

/** The shift n lambda / N of the paper's second-layer penalty (lambda / N)||a||^2 with the loss (1/n)||Phi a - y||^2. */
export function ckRidgeShift(lambda: number, n: number, N: number): number {
  return (n * lambda) / N;
}

/** Second layer a = (Phi^T Phi + (n lambda / N) I)^{-1} Phi^T y for Phi (n x N) = sigma(X W) / sqrt(N), per lambda > 0. */
export async function ckRidge(phi: Matrix<Float64Array>, y: ArrayLike<number>, lambdas: readonly number[], options: { solver?: RidgeSolver } = {}): Promise<RidgeFit> {
  checkShifts('ckRidge', 'lambdas', lambdas);
  return ridgeRegression(phi, y, lambdas.map((l) => ckRidgeShift(l, phi.rows, phi.cols)), options);
}

/** Predictions F c (length rows of F) of a fitted coefficient vector c (length F.cols). */
export function ridgePredict(F: Matrix<Float64Array>, c: Float64Array): Float64Array {
  if (c.length !== F.cols) throw new ShapeError(`ridgePredict: c has length ${c.length}, F has ${F.cols} columns`);
  return matVec(F, c);
}
