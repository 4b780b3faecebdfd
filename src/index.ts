/**
 * ntk-lab: empirical neural tangent kernels and conjugate kernels of TensorFlow.js models.
 *
 *   import { mlp, ntk, ntkLayerwise, ck } from 'ntk-lab';
 *   const net = mlp({ inputDim: 784, widths: [512, 512, 512], seed: 0 });
 *   const K = await ntk(net, x);   // Kernel: n x n float32, nothing to dispose
 *
 * The package root: models, kernels, predictions, the backend choice, errors. The other capabilities are
 * subpaths (package.json `exports`): 'ntk-lab/spectra', 'ntk-lab/theory', 'ntk-lab/arrow', 'ntk-lab/one-step',
 * 'ntk-lab/linalg', 'ntk-lab/notebook', 'ntk-lab/tiles', 'ntk-lab/data' (readers, datasets). Every name is listed (no `export *`), so that what is public is a
 * decision: test/api/exports.test.ts holds the same list. Left out on purpose: memory estimators
 * (explicitMemoryEstimate, defaultMaxBytes), seed derivation (deriveSeed), erf/erfc and the linear algebra
 * beyond linalgInfo (all in 'ntk-lab/linalg').
 */
export { VERSION } from './version';

export {
  NtkLabError,
  ShapeError,
  NonFiniteError,
  InvalidOptionError,
  UnsupportedModelError,
  MemoryBudgetError,
  BackendUnavailableError,
  LinalgError,
  CancelledError,
  ArrowFormatError,
} from './errors';
// The named errors of the other capabilities, so that one import can tell every failure apart.
export { ConvergenceError } from './theory/errors';
export { CommUnavailableError, CommClosedError } from './kernel/errors';
export { JobFormatError, JobIntegrityError, JobIncompleteError, TileIndexError, TileWriteError } from './tiles/errors';
export { RayUnavailableError } from './tiles/ray/errors';
export { ModelFormatError } from './models/io';
export { DataFormatError } from './data/errors';

export { BACKEND_NAMES, availableBackends, backendInfo, ensureBackend, useBackend } from './backend';
// The gradient kernels tfjs-backend-wasm lacks (registered by ensureBackend/useBackend; for wasm set up by tfjs directly).
export { registerWasmGradientKernels } from './backend/wasm-kernels';
export type { BackendInfo, BackendName } from './backend';

export { ACTIVATIONS, activation, Mlp, mlp, asMlp, twoLayer } from './models';
// A single-head self-attention block as a pure function f(params, x) (docs/architectures.md).
export { selfAttention } from './models';
export type { Attention, AttentionOptions } from './models';
export type { Activation, ActivationName, DenseSpec, MlpOptions, LayerWeights, Parameterization, TwoLayerOptions } from './models';
// Models on disk in tfjs' layers-model format (model.json + weight shards), without tfjs-node.
export { saveModel, loadModel, loadLayersModel } from './models/io';
export type { LoadedModel, SavedModelInfo, SavedModelKind, SaveModelOptions } from './models/io';

export { Kernel, ntk, ntkLayerwise, ntkTiles, ntkVp, ck, chooseNtkMethod, ntkCost } from './ntk';
// Approximate kernels with their error estimates (docs/approximate.md).
export { pseudoNtk, sketchedNtk, nystromNtk } from './ntk';
export type {
  KernelInit,
  KernelKind,
  LayerwiseNtk,
  OutputLayout,
  NtkMethod,
  NtkOptions,
  NtkVpOptions,
  NtkTile,
  Range,
  CkOptions,
  CostEstimate,
  KernelMethod,
  MethodChoice,
  NtkCost,
  LayerCost,
  RouteCost,
  ConvolutionsOption,
  AutodiffModel,
  PureModel,
  PureRoute,
  NtkModel,
  InputBatch,
  ApproxCost,
  ApproxError,
  ApproxResult,
  NystromError,
  NystromNtkOptions,
  NystromNtkResult,
  PseudoNtkOptions,
  PseudoNtkResult,
  SketchedNtkOptions,
  SketchedNtkResult,
} from './ntk';

export { kernelRidge, gradientDescentMse, conjugateGradient, jacobiPreconditioner, nystromPreconditioner } from './predict';
export { pivotedCholesky, pivotedCholeskyPreconditioner, denseColumnSource } from './predict';
export type { ColumnSource, PivotedCholeskyOptions, PivotedCholeskyFactor } from './predict';
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
  CgOptions,
  CgResult,
  Preconditioner,
  NystromOptions,
} from './predict';

export { Rng } from './random';

// The kernel during training (docs/training.md): train() streams one 'training' Arrow batch per snapshot; the metrics are pure functions.
export { train, kernelDistance, relativeChange, kernelTargetAlignment, centredAlignment, eigenTargetAlignment, traceShares, TRAINING_METRICS } from './training';
export type {
  TrainOptions,
  SnapshotOptions,
  OptimizerName,
  TrainingLoss,
  TrainingSnapshot,
  TrainableModel,
  TrainingSet,
  TargetMatrix,
  TrainingColumns,
  TrainingMetric,
  TrainingRow,
} from './training';

export { linalgInfo } from './linalg';
// Matrix is the row-major input and result type of the functions above (InputBatch, KernelLike, predictions).
export type { LinalgInfo, Matrix, FloatArray } from './linalg';
