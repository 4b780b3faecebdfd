/**
 * The kernel during training: train() (a tfjs optimizer loop streaming one 'training' Arrow batch per
 * snapshot), the pure kernel metrics it reports (./metrics), and the 'training' schema. docs/training.md.
 * Not a package entry: 'ntk-lab' (src/index.ts) lists what users get.
 */
export { train } from './train';
export type { TrainableModel, TrainingSet } from './data';
export type { TrainOptions, SnapshotOptions, OptimizerName, TrainingLoss } from './options';
export type { TrainingSnapshot } from './snapshot';
export {
  frobeniusInner, frobeniusNorm, kernelDistance, relativeChange, kernelTargetAlignment, centredAlignment, centreKernel, centreTargets,
  kernelTrace, traceShares, eigenTargetAlignment,
} from './metrics';
export type { TargetMatrix } from './metrics';
export { TRAINING_FIELDS, TRAINING_METRICS, trainingBatch } from './schema';
export type { TrainingColumns, TrainingMetric, TrainingRow } from './schema';
