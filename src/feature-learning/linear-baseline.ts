/**
 * The linear baseline of the one-step experiment: ridge regression on the raw inputs x, b = (X^T X + n lambda I)^{-1}
 * X^T y (loss (1/n)||X b - y||^2 + lambda ||b||^2), with lambda tuned on the test set over a grid: the best a linear
 * model does on this sample. Its population counterpart, mu1* <x, beta*>, has risk mu2*^2 (the kernel lower bound).
 * One eigendecomposition of X^T X (d x d, float64) serves every lambda of the grid.
 */
import { InvalidOptionError, ShapeError } from '../errors';
import { type Matrix, eighAsync, gramAsync, matmulAsync } from '../linalg';
import { matTVec } from './vectors';

/** lambda grid of the tuned linear model: 10^-6 .. 10^2, four per decade. */
export const LINEAR_LAMBDAS: readonly number[] = Array.from({ length: 33 }, (_, i) => Math.pow(10, -6 + i / 4));

/** The tuned linear model's risks. */
export interface LinearBaseline {
  /** The grid of lambdas (penalty lambda ||b||^2 with the loss (1/n)||X b - y||^2). */
  lambdas: readonly number[];
  /** Test risk against f* for each lambda (squared target units). */
  risks: Float64Array;
  /** The smallest risk over the grid, and its lambda. */
  risk: number;
  lambda: number;
}

/** Ridge on x (train: x n x d, y n) evaluated on (test x m x d, fStar m), lambda tuned over `lambdas` (> 0). */
export async function tunedLinearRidge(
  train: { x: Matrix<Float64Array>; y: ArrayLike<number> },
  test: { x: Matrix<Float64Array>; fStar: ArrayLike<number> },
  lambdas: readonly number[] = LINEAR_LAMBDAS,
): Promise<LinearBaseline> {
  const { x, y } = train;
  const n = x.rows;
  const d = x.cols;
  if (y.length !== n) throw new ShapeError(`tunedLinearRidge: train.y has length ${y.length}, train.x has ${n} rows`);
  if (test.x.cols !== d || test.fStar.length !== test.x.rows) {
    throw new ShapeError(`tunedLinearRidge: test.x is ${test.x.rows} x ${test.x.cols} with ${test.fStar.length} targets; need m x ${d} and m`);
  }
  if (lambdas.length === 0) throw new InvalidOptionError('tunedLinearRidge: lambdas is empty');
  lambdas.forEach((l, i) => {
    if (!(Number.isFinite(l) && l > 0)) throw new InvalidOptionError(`tunedLinearRidge: lambdas[${i}] must be a finite number > 0, got ${l}`);
  });
  const { values, vectors } = await eighAsync(await gramAsync(x, { trans: true }), { vectors: true, checkSymmetric: false });
  const V = vectors!; // d x d, column k pairs with values[k]
  const q = matTVec(V, matTVec(x, y)); // V^T X^T y
  const tv = await matmulAsync(test.x, V); // m x d: test inputs in the eigenbasis
  const m = test.x.rows;
  const L = lambdas.length;
  // Coefficients in the eigenbasis, one column per lambda: q_k / (e_k + n lambda); predictions for all lambdas in one GEMM.
  const coef = new Float64Array(d * L);
  for (let k = 0; k < d; k++) for (let l = 0; l < L; l++) coef[k * L + l] = q[k] / (Math.max(0, values[k]) + n * lambdas[l]);
  const pred = await matmulAsync(tv, { rows: d, cols: L, data: coef }); // m x L
  const risks = new Float64Array(L);
  for (let l = 0; l < L; l++) {
    let s = 0;
    for (let i = 0; i < m; i++) {
      const e = pred.data[i * L + l] - test.fStar[i];
      s += e * e;
    }
    risks[l] = s / m;
  }
  let best = 0;
  for (let i = 1; i < risks.length; i++) if (risks[i] < risks[best]) best = i;
  return { lambdas, risks, risk: risks[best], lambda: lambdas[best] };
}
