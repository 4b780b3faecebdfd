/**
 * ntk-lab: empirical neural tangent kernels and conjugate kernels of TensorFlow.js models.
 *
 *   import { mlp, ntk, ntkLayerwise, ck } from 'ntk-lab';
 *   const net = mlp({ inputDim: 784, widths: [512, 512, 512], seed: 0 });
 *   const K = await ntk(net, x);   // Kernel: n x n float32, nothing to dispose
 */
export { VERSION } from './version';
export * from './errors';
export { BACKEND_NAMES, availableBackends, backendInfo, ensureBackend, useBackend } from './backend';
export type { BackendInfo, BackendName } from './backend';
export * from './models';
export * from './ntk';
export { Rng, deriveSeed } from './random';
export { erf, erfc } from './special/erf';
export {
  matrix,
  matmul,
  matmulAsync,
  gram,
  gramAsync,
  eigh,
  eighAsync,
  cholesky,
  choleskyAsync,
  solvePositiveDefinite,
  solvePositiveDefiniteAsync,
  svd,
  svdAsync,
  linalgInfo,
} from './linalg';
export type { FloatArray, Matrix, MatmulOptions, GramOptions, EighOptions, EighResult, SvdOptions, SvdResult, LinalgInfo } from './linalg';
export * from './arrow';
export { kernelRidge, gradientDescentMse } from './predict';
export type {
  GradientDescentMsePredictor,
  KernelLike,
  TargetsLike,
  OutputsLike,
  RegularizerScale,
  LossNormalization,
  PredictOptions,
  KernelRidgeOptions,
  GradientDescentMseOptions,
} from './predict';
export * from './feature-learning';
export {
  commsAvailable,
  openComm,
  registerTarget,
  unregisterTarget,
  cellSignal,
  openWidget,
  onWidgetOpened,
  display,
  Comm,
  WidgetModel,
  WIDGET_PROTOCOL_VERSION,
  WIDGET_VIEW_MIME,
  CommUnavailableError,
  CommClosedError,
} from './kernel';
export type {
  CommHandler,
  CommMessage,
  TargetHandler,
  DisplayHandle,
  DisplayOptions,
  MimeBundle,
  ChangeHandler,
  CustomHandler,
  WidgetSpec,
  WidgetState,
  StateValue,
  BufferPath,
  BinaryLike,
} from './kernel';
export {
  SpectrumWidget,
  AlignmentWidget,
  RiskWidget,
  KernelWidget,
  showSpectrum,
  showAlignment,
  showRisk,
  showKernel,
  StreamingWidget,
  BatchChannel,
  encodeBatch,
  staticBundle,
  PLOTLY_MIME,
} from './display';
export type { SpectrumWidgetOptions, SweepWidgetOptions, SweepParams, KernelWidgetOptions, StreamOutcome } from './display';
export * from './spectra';
export * from './theory';
