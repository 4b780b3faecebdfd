/**
 * Result kind 'one-step-sweep': one row per (learning rate, seed, sizes) point of the one-gradient-step
 * experiment (Ba et al. 2022): the step's spike, its alignment with the teacher, and ridge risks before
 * and after the step, with the run's baselines beside them. Rows with `statistic` 'mean' / 'std' summarise
 * `n_seeds` seeds of the same point. NaN marks a quantity the run did not compute.
 */
import { Field, Float64, Int32, Int64, RecordBatch, Utf8 } from 'apache-arrow';
import { batchOf, f64Column, i32Column, i64Column, utf8Column } from '../columns';

/** Column types of a one-step sweep table. */
export type OneStepSweepColumns = {
  eta: Float64;
  scaling: Utf8;
  seed: Int64;
  n: Int32;
  d: Int32;
  width: Int32;
  lambda: Float64;
  alignment: Float64;
  spike_norm: Float64;
  bulk_norm: Float64;
  risk_initial: Float64;
  risk_trained: Float64;
  statistic: Utf8;
  n_seeds: Int32;
  eta_factor: Float64;
  alignment_w1: Float64;
  spike_residual: Float64;
  eta_bbp: Float64;
  weight_change: Float64;
  risk_linear: Float64;
  risk_null: Float64;
  risk_lower_bound: Float64;
  risk_gaussian_equivalent: Float64;
};

/** The columns, in order (see docs/arrow-schemas.md). */
export const ONE_STEP_SWEEP_FIELDS: readonly Field[] = [
  new Field('eta', new Float64(), false),
  new Field('scaling', new Utf8(), false),
  new Field('seed', new Int64(), false),
  new Field('n', new Int32(), false),
  new Field('d', new Int32(), false),
  new Field('width', new Int32(), false),
  new Field('lambda', new Float64(), false),
  new Field('alignment', new Float64(), false),
  new Field('spike_norm', new Float64(), false),
  new Field('bulk_norm', new Float64(), false),
  new Field('risk_initial', new Float64(), false),
  new Field('risk_trained', new Float64(), false),
  new Field('statistic', new Utf8(), false),
  new Field('n_seeds', new Int32(), false),
  new Field('eta_factor', new Float64(), false),
  new Field('alignment_w1', new Float64(), false),
  new Field('spike_residual', new Float64(), false),
  new Field('eta_bbp', new Float64(), false),
  new Field('weight_change', new Float64(), false),
  new Field('risk_linear', new Float64(), false),
  new Field('risk_null', new Float64(), false),
  new Field('risk_lower_bound', new Float64(), false),
  new Field('risk_gaussian_equivalent', new Float64(), false),
];

/** What a row holds: one seed's values, or the mean / sample standard deviation over `nSeeds` seeds. */
export type OneStepStatistic = 'value' | 'mean' | 'std';

/** One point of the sweep. Fields marked optional default to NaN (statistic: 'value', nSeeds: 1). */
export interface OneStepSweepRow {
  /** Learning rate as applied in W1 = W0 + eta sqrt(N) G0. */
  eta: number;
  /** The learning-rate regime: 'theta-1', 'theta-sqrt-n', 'n^0.25', ... */
  scaling: string;
  /** Seed of this point (for 'mean' / 'std' rows: the first seed summarised). */
  seed: number;
  /** Training samples n, input dimension d, width N. */
  n: number;
  d: number;
  width: number;
  /** Ridge penalty lambda of the second-layer fit (penalty (lambda/N)||a||^2). */
  lambda: number;
  /** |cos| between the gradient's top input-space singular vector (left, for G0 in R^{d x N}) and beta*. */
  alignment: number;
  /** Operator norm of the rank-one spike of the step eta sqrt(N) G0 (its top singular value). */
  spikeNorm: number;
  /** Operator norm of the step with the spike removed (its second singular value). */
  bulkNorm: number;
  /** Prediction risk of ridge on the initial CK (random features; against the noise-free teacher). */
  riskInitial: number;
  /** Prediction risk of ridge on the CK after the step. */
  riskTrained: number;
  /** 'value' (default), 'mean' or 'std' (sample standard deviation, n - 1 divisor) over nSeeds seeds. */
  statistic?: OneStepStatistic;
  /** Seeds behind the row (default 1). */
  nSeeds?: number;
  /** eta / N^alpha: the multiplier swept within the scaling (eta = eta_factor N^alpha; alpha = 0 for 'theta-1'). */
  etaFactor?: number;
  /** |cos| between the top left singular vector of W1 and beta*. */
  alignmentW1?: number;
  /** ||G0 - A||_op / ||A||_op, A = (mu1 / (n sqrt N)) X^T y a^T (Proposition 2). */
  spikeResidual?: number;
  /** Learning rate at which the spike reaches the BBP threshold (N/d)^(1/4) of W0's bulk. */
  etaBbp?: number;
  /** ||W1 - W0||_F. */
  weightChange?: number;
  /** Prediction risk of ridge on the raw inputs x, its lambda tuned on the test set (the best linear model of the sample). */
  riskLinear?: number;
  /** Risk of predicting 0: E f*(x)^2 on the test set. */
  riskNull?: number;
  /** mu2*^2 = E f*^2 - mu1*^2: the risk of the best linear model, a lower bound of kernels at eta = Theta(1). */
  riskLowerBound?: number;
  /** Gaussian-equivalent prediction of riskTrained (eta = Theta(1) only; NaN elsewhere). */
  riskGaussianEquivalent?: number;
}

/** One batch, one row per sweep point. */
export function oneStepSweepBatch(rows: readonly OneStepSweepRow[]): RecordBatch<OneStepSweepColumns> {
  const col = (f: (r: OneStepSweepRow) => number): number[] => rows.map(f);
  const opt = (f: (r: OneStepSweepRow) => number | undefined): number[] => rows.map((r) => f(r) ?? NaN);
  return batchOf<OneStepSweepColumns>(ONE_STEP_SWEEP_FIELDS, [
    f64Column(col((r) => r.eta)),
    utf8Column(rows.map((r) => r.scaling)),
    i64Column(col((r) => r.seed), 'seed'),
    i32Column(col((r) => r.n), 'n'),
    i32Column(col((r) => r.d), 'd'),
    i32Column(col((r) => r.width), 'width'),
    f64Column(col((r) => r.lambda)),
    f64Column(col((r) => r.alignment)),
    f64Column(col((r) => r.spikeNorm)),
    f64Column(col((r) => r.bulkNorm)),
    f64Column(col((r) => r.riskInitial)),
    f64Column(col((r) => r.riskTrained)),
    utf8Column(rows.map((r) => r.statistic ?? 'value')),
    i32Column(col((r) => r.nSeeds ?? 1), 'n_seeds'),
    f64Column(opt((r) => r.etaFactor)),
    f64Column(opt((r) => r.alignmentW1)),
    f64Column(opt((r) => r.spikeResidual)),
    f64Column(opt((r) => r.etaBbp)),
    f64Column(opt((r) => r.weightChange)),
    f64Column(opt((r) => r.riskLinear)),
    f64Column(opt((r) => r.riskNull)),
    f64Column(opt((r) => r.riskLowerBound)),
    f64Column(opt((r) => r.riskGaussianEquivalent)),
  ]);
}
