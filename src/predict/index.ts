/**
 * Predictions with a kernel (neural-tangents' `predict` module as the peer), all in float64:
 * kernel ridge regression, and the closed-form outcome of gradient descent on an MSE loss at any time t.
 *
 * @example
 *   import { mlp, ntk, kernelRidge, gradientDescentMse } from 'ntk-lab';
 *   const net = mlp({ inputDim: 8, widths: [256], seed: 0 });
 *   const Ktrain = await ntk(net, xTrain);             // n x n ('trace' layout)
 *   const KtestTrain = await ntk(net, xTest, xTrain);  // m x n
 *   const ridge = await kernelRidge(Ktrain, yTrain, KtestTrain, 1e-3);   // m x k, (K + 1e-3 I)^{-1}
 *   const p = await gradientDescentMse(Ktrain, yTrain, KtestTrain, { lr: 1 }); // one eigendecomposition
 *   const early = p.at(100), end = p.at(Infinity);    // m x k each, O(m n k) per call
 *   const fit = p.trainAt(100);                        // n x k
 *
 * Conventions (see docs/predict.md): lambda is absolute (K + lambda I) unless lambdaScale: 'trace';
 * gradient descent follows neural-tangents: t counts steps of size lr on the loss 1/(2 n k) |f - y|^2,
 * i.e. f_train(t) - y = exp(-lr t K / (n k)) (f_train_0 - y); lossNormalization picks another divisor.
 * Kernels are 'trace' (one n x n kernel for every output column), 'full' (nk x nk, index i*k + a) or
 * 'diagonal' (a Kernel of shape [n, n, k]: one kernel per output).
 *
 * Not a package entry: 'ntk-lab' (src/index.ts) re-exports all of it.
 */
export { kernelRidge } from './ridge';
export { gradientDescentMse, type GradientDescentMsePredictor } from './gradient-descent';
export { conjugateGradient, type CgOptions, type CgResult } from './cg';
export { jacobiPreconditioner, nystromPreconditioner, type Preconditioner, type NystromOptions } from './preconditioners';
export { pivotedCholesky, pivotedCholeskyPreconditioner, denseColumnSource, type ColumnSource, type PivotedCholeskyOptions, type PivotedCholeskyFactor } from './preconditioners';
export type {
  KernelLike,
  TargetsLike,
  OutputsLike,
  RegularizerScale,
  LossNormalization,
  PredictOptions,
  KernelRidgeOptions,
  GradientDescentMseOptions,
} from './types';
