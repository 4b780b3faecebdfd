/**
 * The one-gradient-step experiment of Ba, Erdogdu, Suzuki, Wang, Wu & Yang (NeurIPS 2022, arXiv 2205.01445):
 * one full-batch gradient step on the first layer of f(x) = a^T sigma(W^T x) / sqrt(N) puts a rank-one spike into
 * W aligned with the teacher's linear component; ridge regression on the trained conjugate-kernel features beats
 * random features, and with eta = Theta(sqrt N) it goes beyond the best linear model. Conventions, with the
 * paper's numbering: docs/one-step.md.
 *
 * @example
 *   import { oneStepSweepStream } from 'ntk-lab/one-step';
 *   const stream = oneStepSweepStream({
 *     n: 2048, d: 256, N: 512, activation: 'erf', teacher: 'erf', noise: 0.1,
 *     etas: [0, 1, 2, 4, 8], scalings: ['small', 'large'], lambdas: 1e-3, seeds: 3,
 *   });
 *   await stream.toFile('sweep.arrow');   // one Arrow batch per point as it completes, then mean/std rows
 *
 * Building blocks, all float64 on the linalg core: singleIndexTeacher -> sampleData -> initialStudent ->
 * firstLayerGradient (G0) -> gradientSpike / firstStep (W1) -> ckFeatures -> ckRidge, beside tunedLinearRidge
 * and gaussianEquivalentRisk.
 *
 * The 'ntk-lab/one-step' entry. Internal (imported from their modules by the sweep): the affine-in-eta
 * precomputations (StepGram, StepPreactivations), the Gram-side singular-vector helpers (gramSide,
 * singularFromGram), the generic ridge solver behind ckRidge and its penalty conversion (ridgeRegression,
 * ckRidgeShift), option resolution (resolveOneStepOptions, oneStepParams), the seed summary (summariseSeeds) and the
 * rows' scaling helpers (scalingExponent, scalingLabel, and parseScaling, which reads the command line's text).
 */
export { singleIndexTeacher, teacherMoments } from './teacher';
export type { Teacher, TeacherMoments, TeacherOptions } from './teacher';
export { sampleData } from './data';
export type { Sample } from './data';
export { initialStudent } from './student';
export type { Student, StudentOptions } from './student';
export { firstLayerGradient } from './gradient';
export type { FirstLayerGradient } from './gradient';
export { firstStep, learningRate } from './step';
export type { LearningRateScaling } from './step';
export { gradientSpike } from './spike';
export type { GradientSpike, GradientSpikeInputs } from './spike';
export { topSingular } from './singular';
export type { SingularAlong } from './singular';
export { ckFeatures } from './features';
export { ckRidge, ridgePredict } from './ridge';
export type { RidgeFit, RidgeSolver } from './ridge';
export { LINEAR_LAMBDAS, tunedLinearRidge } from './linear-baseline';
export type { LinearBaseline } from './linear-baseline';
export { gaussianEquivalentRisk } from './gaussian-equivalent';
export type { GaussianEquivalentInputs } from './gaussian-equivalent';
export { oneStepMemoryEstimate } from './options';
export type { OneStepOptions } from './options';
export { oneStepSweep, oneStepSweepStream } from './sweep';
export type { OneStepRunOptions, OneStepStreamOptions } from './sweep';
// The sweep's rows, as oneStepSweep yields them and its Arrow stream holds them.
export type { OneStepSweepColumns, OneStepSweepRow } from '../arrow/kinds/one-step-sweep';
