/**
 * Closed-form gradient flow on an MSE loss in function space (neural-tangents' gradient_descent_mse), in float64.
 * With K = V diag(lambda) V^T (one eigendecomposition, cached) and tau = lr * t / N (N: lossNormalization):
 *   f_train(t) = f_train_0 + V diag(expm1(-lambda tau)) V^T (f_train_0 - y)
 *   f_test(t)  = f_test_0  + K_test_train V diag(expm1(-lambda tau) / lambda) V^T (f_train_0 - y)
 * so every t (Infinity included) costs one O(m n k) product. Eigenvalues <= rcond * lambda_max are exact zeros:
 * gradient flow never moves along them, and t = Infinity gives the pseudo-inverse (minimum-norm) interpolant.
 */
import { InvalidOptionError } from '../errors';
import { eighAsync, matmul, matmulAsync, type Matrix } from '../linalg';
import type { OutputLayout } from '../ntk/kernel';
import { addBlockResult, blockRhs, buildProblem, type Problem } from './problem';
import { addDiagonal, checkNonNegative, checkPositive, checkTime, diagonalShift, residual } from './regularize';
import type { GradientDescentMseOptions, KernelLike, LossNormalization, TargetsLike } from './types';

const EPS = 2 ** -52;

/** One block's cached eigen-data (the kernels themselves are not kept: V and K_td V are all that is needed). */
interface BlockDynamics {
  /** Output column of a 'diagonal' block; undefined: all columns. */
  column?: number;
  /** Eigenvalues of the regularised block, ascending; those treated as zero are 0 here. */
  lambda: Float64Array;
  /** Raw eigenvalues (for reporting). */
  raw: Float64Array;
  /** V, N x N. */
  v: Matrix<Float64Array>;
  /** V^T (f_train_0 - y) in the block's right-hand-side shape, N x c. */
  c: Matrix<Float64Array>;
  /** K_test_train V, M x N (absent without KtestTrain). */
  kv?: Matrix<Float64Array>;
}

/** What a predictor keeps of the problem: sizes and the initial outputs, not the kernels. */
type Shape = Omit<Problem, 'blocks' | 'y'>;

/** Predictions of gradient flow at any time t (in steps of size lr), built once by gradientDescentMse. */
export class GradientDescentMsePredictor {
  /** The divisor N of the loss: t steps of size lr are gradient-flow time lr * t / N on 1/2 |f - y|^2. */
  readonly lossDivisor: number;

  /** @internal Built by gradientDescentMse. */
  constructor(private readonly p: Shape, private readonly dyn: BlockDynamics[], readonly lr: number, lossDivisor: number) {
    this.lossDivisor = lossDivisor;
  }

  /** Output layout of the kernels ('trace', 'full', 'diagonal'; k = 1 is always 'trace'). */
  get layout(): OutputLayout { return this.p.layout; }
  /** Training points n. */
  get n(): number { return this.p.n; }
  /** Outputs k. */
  get k(): number { return this.p.k; }
  /** Test points m (0 without KtestTrain). */
  get m(): number { return this.p.m; }

  /** Eigenvalues (ascending, float64) of Ktrain + diagReg shift, one array per block (k arrays for 'diagonal'). */
  get eigenvalues(): Float64Array[] { return this.dyn.map((d) => d.raw.slice()); }

  /** Largest lr for which discrete gradient descent on this loss converges: 2 N / lambda_max (neural-tangents' max_learning_rate). */
  get maxLearningRate(): number {
    const top = Math.max(...this.dyn.map((d) => d.raw[d.raw.length - 1]));
    return (2 * this.lossDivisor) / top;
  }

  /** Test-set predictions m x k (float64) after t >= 0 steps (fractional allowed; Infinity = end of training). */
  at(t: number): Matrix<Float64Array> {
    const tau = this.tau('at', t);
    if (this.dyn.some((d) => d.kv === undefined)) {
      throw new InvalidOptionError('at: gradientDescentMse was built without KtestTrain; use trainAt(t) for the training set');
    }
    // expm1(-lambda tau) / lambda -> -1 / lambda at tau = Infinity; null directions contribute nothing.
    return this.evaluate(this.p.fxTest0, (d) => d.kv as Matrix<Float64Array>, (l) => (l > 0 ? Math.expm1(-l * tau) / l : 0));
  }

  /** Training-set predictions n x k (float64) after t >= 0 steps (Infinity: y wherever Ktrain is non-singular). */
  trainAt(t: number): Matrix<Float64Array> {
    const tau = this.tau('trainAt', t);
    return this.evaluate(this.p.fxTrain0, (d) => d.v, (l) => (l > 0 ? Math.expm1(-l * tau) : 0));
  }

  private tau(fn: string, t: number): number {
    checkTime(fn, t);
    return (this.lr * t) / this.lossDivisor;
  }

  /** f0 + sum over blocks of left(d) diag(w(lambda)) c. */
  private evaluate(f0: Matrix<Float64Array>, left: (d: BlockDynamics) => Matrix<Float64Array>, w: (l: number) => number): Matrix<Float64Array> {
    const out: Matrix<Float64Array> = { rows: f0.rows, cols: f0.cols, data: Float64Array.from(f0.data) };
    for (const d of this.dyn) {
      const { rows, cols } = d.c;
      const scaled = new Float64Array(rows * cols);
      for (let i = 0; i < rows; i++) {
        const wi = w(d.lambda[i]);
        for (let j = 0; j < cols; j++) scaled[i * cols + j] = wi * d.c.data[i * cols + j];
      }
      addBlockResult(d.column, out, matmul(left(d), { rows, cols, data: scaled }, { checkFinite: false }));
    }
    return out;
  }
}

const DIVISORS: Record<LossNormalization, (n: number, k: number) => number> = {
  mean: (n, k) => n * k,
  'per-example': (n) => n,
  sum: () => 1,
};

/**
 * Gradient-flow predictor for MSE training with kernel Ktrain (n x n / nk x nk / [n, n, k]), targets ytrain (n x k)
 * and optional KtestTrain (m x n / mk x nk / [m, n, k]); one eigendecomposition now, then p.at(t) / p.trainAt(t) per time.
 */
export async function gradientDescentMse(
  Ktrain: KernelLike,
  ytrain: TargetsLike,
  KtestTrain?: KernelLike,
  opts: GradientDescentMseOptions = {},
): Promise<GradientDescentMsePredictor> {
  const fn = 'gradientDescentMse';
  const lr = opts.lr === undefined ? 1 : checkPositive(fn, 'opts.lr', opts.lr);
  const diagReg = opts.diagReg === undefined ? 0 : checkNonNegative(fn, 'opts.diagReg', opts.diagReg);
  const norm = opts.lossNormalization ?? 'mean';
  if (!Object.hasOwn(DIVISORS, norm)) throw new InvalidOptionError(`${fn}: opts.lossNormalization must be 'mean', 'per-example' or 'sum', got '${String(norm)}'`);
  const p = buildProblem(fn, Ktrain, ytrain, KtestTrain, opts);
  const rcond = opts.rcond === undefined ? undefined : checkPositive(fn, 'opts.rcond', opts.rcond);
  const r0 = residual(p.fxTrain0, p.y); // f_train_0 - y
  const dyn: BlockDynamics[] = [];
  for (const b of p.blocks) {
    const a = addDiagonal(b.train, diagonalShift(fn, 'opts.diagReg', diagReg, opts.diagRegScale, b.train));
    const { values, vectors } = await eighAsync(a, { vectors: true, checkSymmetric: false });
    const v = vectors as Matrix<Float64Array>;
    const top = Math.max(values[values.length - 1], 0);
    const cut = (rcond ?? a.rows * EPS) * top;
    // Negative eigenvalues of a PSD kernel are rounding noise; they and the tiny ones are exact zeros here.
    const lambda = values.map((l) => (l > cut ? l : 0));
    const c = await matmulAsync(v, blockRhs(b, r0), { transA: true });
    const kv = b.test === undefined ? undefined : await matmulAsync(b.test, v);
    dyn.push({ column: b.column, lambda, raw: values, v, c, kv });
  }
  const shape: Shape = { layout: p.layout, n: p.n, k: p.k, m: p.m, fxTrain0: p.fxTrain0, fxTest0: p.fxTest0 };
  return new GradientDescentMsePredictor(shape, dyn, lr, DIVISORS[norm](p.n, p.k));
}
