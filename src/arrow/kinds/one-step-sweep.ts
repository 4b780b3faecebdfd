/**
 * Result kind 'one-step-sweep': one row per (learning rate, seed, sizes) point of the one-gradient-step
 * experiment (Ba et al. 2022): the step's spike, its alignment with the teacher, and ridge risks before
 * and after the step. NaN marks a quantity the run did not compute.
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
];

/** One point of the sweep. */
export interface OneStepSweepRow {
  /** Learning rate as applied in W1 = W0 + eta sqrt(N) G0. */
  eta: number;
  /** The learning-rate regime: 'theta-1', 'theta-sqrt-n', 'n^0.25', ... */
  scaling: string;
  seed: number;
  /** Training samples n, input dimension d, width N. */
  n: number;
  d: number;
  width: number;
  /** Ridge penalty lambda of the second-layer fit (penalty (lambda/N)||a||^2). */
  lambda: number;
  /** |cos| between the step's top right-singular vector and the teacher direction beta*. */
  alignment: number;
  /** Operator norm of the rank-one spike of the step eta sqrt(N) G0. */
  spikeNorm: number;
  /** Operator norm of the step with the spike removed. */
  bulkNorm: number;
  /** Prediction risk of ridge on the initial CK (against the noise-free teacher). */
  riskInitial: number;
  /** Prediction risk of ridge on the CK after the step. */
  riskTrained: number;
}

/** One batch, one row per sweep point. */
export function oneStepSweepBatch(rows: readonly OneStepSweepRow[]): RecordBatch<OneStepSweepColumns> {
  const col = (f: (r: OneStepSweepRow) => number): number[] => rows.map(f);
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
  ]);
}
