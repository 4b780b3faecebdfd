/**
 * Result kind 'ridge-risk': prediction risks of ridge regression on given features (a CK before or after
 * a step, an NTK, raw inputs), one row per (features, lambda, n, seed).
 */
import { Field, Float64, Int32, Int64, RecordBatch, Utf8 } from 'apache-arrow';
import { batchOf, f64Column, i32Column, i64Column, utf8Column } from '../columns';

/** Column types of a ridge-risk table. */
export type RidgeRiskColumns = {
  features: Utf8;
  lambda: Float64;
  n_train: Int32;
  seed: Int64;
  risk: Float64;
  train_risk: Float64;
};

/** The columns, in order (see docs/arrow-schemas.md). */
export const RIDGE_RISK_FIELDS: readonly Field[] = [
  new Field('features', new Utf8(), false),
  new Field('lambda', new Float64(), false),
  new Field('n_train', new Int32(), false),
  new Field('seed', new Int64(), false),
  new Field('risk', new Float64(), false),
  new Field('train_risk', new Float64(), false),
];

/** One ridge fit. */
export interface RidgeRiskRow {
  /** The features: 'ck-initial', 'ck-trained', 'ntk', 'linear', ... */
  features: string;
  /** Ridge penalty, in the scaling the run's params name (`params.lambdaScaling`). */
  lambda: number;
  nTrain: number;
  seed: number;
  /** Test mean squared error against the noise-free target. */
  risk: number;
  /** Training mean squared error (NaN when not computed). */
  trainRisk: number;
}

/** One batch, one row per fit. */
export function ridgeRiskBatch(rows: readonly RidgeRiskRow[]): RecordBatch<RidgeRiskColumns> {
  return batchOf<RidgeRiskColumns>(RIDGE_RISK_FIELDS, [
    utf8Column(rows.map((r) => r.features)),
    f64Column(rows.map((r) => r.lambda)),
    i32Column(rows.map((r) => r.nTrain), 'n_train'),
    i64Column(rows.map((r) => r.seed), 'seed'),
    f64Column(rows.map((r) => r.risk)),
    f64Column(rows.map((r) => r.trainRisk)),
  ]);
}
