/**
 * Argument and option types of the predict module. Kept apart from the solvers so the shape rules
 * (what n, m, k and the layouts mean) are documented in one place.
 */
import type { FloatArray, Matrix } from '../linalg';
import type { Kernel, OutputLayout } from '../ntk/kernel';

/**
 * A kernel: an ntk-lab Kernel (float32, promoted to float64 here) or a plain row-major Matrix.
 * Ktrain is n x n ('trace' layout: one kernel shared by the k outputs), nk x nk ('full' layout, index
 * i*k + a), or a Kernel of shape [n, n, k] ('diagonal' layout: one n x n kernel per output).
 * KtestTrain is m x n, mk x nk or [m, n, k] accordingly.
 */
export type KernelLike = Kernel | Matrix;

/** Targets or network outputs: an n x k Matrix, or a plain array (k = 1, or n*k values row-major when k is known). */
export type TargetsLike = Matrix | FloatArray;

/** Network outputs at initialisation: like TargetsLike, or one number broadcast to every entry. */
export type OutputsLike = TargetsLike | number;

/**
 * How lambda / diagReg is scaled before it is added to the diagonal:
 *   'absolute' (default): K + lambda I.
 *   'trace': K + lambda * (trace(K) / N) I with N the order of K, i.e. lambda relative to the mean eigenvalue
 *            (neural-tangents' default, `diag_reg_absolute_scale=False`).
 */
export type RegularizerScale = 'absolute' | 'trace';

/**
 * Which MSE loss gradient descent minimises; it sets the time scale of the dynamics. With N the divisor,
 * gradient flow is df/dt = -(lr / N) K (f - y), so f_t - y = exp(-lr t K / N) (f_0 - y):
 *   'mean' (default, neural-tangents): loss = 1/(2 n k) sum_{i,a} (f_ia - y_ia)^2, N = n k = y_train.size.
 *   'per-example': loss = 1/(2 n) sum_i |f(x_i) - y_i|^2, N = n (mean over examples, sum over outputs).
 *   'sum': loss = 1/2 sum_{i,a} (f_ia - y_ia)^2, N = 1 (Jacot et al.'s unnormalised flow).
 */
export type LossNormalization = 'mean' | 'per-example' | 'sum';

/** Options shared by kernelRidge and gradientDescentMse. */
export interface PredictOptions {
  /** Layout of Matrix kernels; inferred from the shapes when omitted ('trace' if Ktrain is n x n, 'full' if nk x nk). Kernel objects carry their own. */
  layout?: OutputLayout;
  /** Network output on the training inputs at initialisation, n x k (default 0). */
  fxTrain0?: OutputsLike;
  /** Network output on the test inputs at initialisation, m x k (default 0). */
  fxTest0?: OutputsLike;
  /**
   * Largest allowed asymmetry of Ktrain, relative to max|Ktrain|: default 1e-10 for float64 data, 1e-5 for
   * float32 data (Kernel objects: GEMM output is symmetric only to rounding). Ktrain is then symmetrised.
   */
  symmetryTolerance?: number;
}

/** Options of kernelRidge. */
export interface KernelRidgeOptions extends PredictOptions {
  /** How lambda is scaled (default 'absolute': K + lambda I). */
  lambdaScale?: RegularizerScale;
}

/** Options of gradientDescentMse. */
export interface GradientDescentMseOptions extends PredictOptions {
  /** Learning rate (default 1, > 0): t is in steps, absolute time is lr * t. */
  lr?: number;
  /** The loss whose gradient flow is followed (default 'mean', as neural-tangents). */
  lossNormalization?: LossNormalization;
  /** Diagonal regulariser added to Ktrain before the eigendecomposition (default 0; >= 0). */
  diagReg?: number;
  /** How diagReg is scaled (default 'absolute'). */
  diagRegScale?: RegularizerScale;
  /**
   * Eigenvalues of (the regularised) Ktrain at or below rcond * max eigenvalue are treated as exact zeros
   * (directions gradient flow never moves: pseudo-inverse at t = Infinity). Default N * 2^-52 with N the order of Ktrain.
   */
  rcond?: number;
}
