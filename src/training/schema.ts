/**
 * Result kind 'training': the kernel during training, in long ("tidy") form. Each snapshot is one record batch
 * with one row per (metric, label): `step`, `epoch`, then what was measured, `metric`, of what, `label`, and
 * its `value`. Long form keeps the schema fixed whatever the number of layers or eigenvalues, and reads in
 * pandas as `df.pivot_table(index='step', columns=['metric', 'label'], values='value')`.
 * The metric names and labels are TRAINING_METRICS below (docs/arrow-schemas.md).
 */
import { Field, Float64, Int32, RecordBatch, Utf8 } from 'apache-arrow';
import { ShapeError } from '../errors';
import { batchOf, f64Column, i32Column, utf8Column } from '../arrow/columns';

/** Column types of a training table. */
export type TrainingColumns = {
  step: Int32;
  epoch: Float64;
  metric: Utf8;
  label: Utf8;
  value: Float64;
};

/** The columns, in order (see docs/arrow-schemas.md). */
export const TRAINING_FIELDS: readonly Field[] = [
  new Field('step', new Int32(), false),
  new Field('epoch', new Float64(), false),
  new Field('metric', new Utf8(), false),
  new Field('label', new Utf8(), false),
  new Field('value', new Float64(), false),
];

/**
 * The metrics a snapshot may hold, with the labels their rows carry:
 * loss / accuracy: 'train' (whole training set) or 'probe'; kernel_distance, kernel_change, kernel_velocity (per step),
 * alignment, centred_alignment: 'ntk'; trace_share, layer_change: the component ('layer1/weight', ...);
 * eigenvalue, eigen_alignment: the rank '1', '2', ... (largest first).
 */
export const TRAINING_METRICS = [
  'loss', 'accuracy', 'kernel_distance', 'kernel_change', 'kernel_velocity', 'alignment', 'centred_alignment', 'trace_share', 'layer_change',
  'eigenvalue', 'eigen_alignment',
] as const;

/** A metric name of a 'training' row. */
export type TrainingMetric = (typeof TRAINING_METRICS)[number];

/** One measured value of a snapshot. */
export interface TrainingRow {
  metric: TrainingMetric;
  label: string;
  value: number;
}

/** One batch: the rows of the snapshot taken after `step` optimizer steps (`epoch`: steps / steps per epoch). */
export function trainingBatch(step: number, epoch: number, rows: readonly TrainingRow[]): RecordBatch<TrainingColumns> {
  if (!Number.isInteger(step) || step < 0) throw new ShapeError(`trainingBatch: step must be a non-negative integer, got ${step}`);
  const n = rows.length;
  return batchOf<TrainingColumns>(TRAINING_FIELDS, [
    i32Column(new Array<number>(n).fill(step), 'step'),
    f64Column(new Float64Array(n).fill(epoch)),
    utf8Column(rows.map((r) => r.metric)),
    utf8Column(rows.map((r) => r.label)),
    f64Column(rows.map((r) => r.value)),
  ]);
}
