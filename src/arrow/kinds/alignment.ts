/**
 * Result kind 'alignment': curves of an alignment (cosine between a learned direction and a target one,
 * or kernel-target alignment) against a swept variable: one row per point, several curves per table.
 */
import { Field, Float64, RecordBatch, Utf8 } from 'apache-arrow';
import { ShapeError } from '../../errors';
import { batchOf, f64Column, utf8Repeat } from '../columns';

/** Column types of an alignment table. */
export type AlignmentColumns = {
  curve: Utf8;
  x_name: Utf8;
  x: Float64;
  alignment: Float64;
};

/** The columns, in order (see docs/arrow-schemas.md). */
export const ALIGNMENT_FIELDS: readonly Field[] = [
  new Field('curve', new Utf8(), false),
  new Field('x_name', new Utf8(), false),
  new Field('x', new Float64(), false),
  new Field('alignment', new Float64(), false),
];

/** One curve: alignment[i] (dimensionless, in [-1, 1] for cosines) at x[i] of the variable `xName`. */
export interface AlignmentInput {
  curve: string;
  /** What x is: 'eta', 'step', 'psi1', ... */
  xName: string;
  x: ArrayLike<number>;
  alignment: ArrayLike<number>;
}

/** One batch of `x.length` rows. */
export function alignmentBatch(input: AlignmentInput): RecordBatch<AlignmentColumns> {
  const n = input.x.length;
  if (input.alignment.length !== n) {
    throw new ShapeError(`alignmentBatch '${input.curve}': x has length ${n}, alignment has length ${input.alignment.length}`);
  }
  return batchOf<AlignmentColumns>(ALIGNMENT_FIELDS, [
    utf8Repeat(input.curve, n),
    utf8Repeat(input.xName, n),
    f64Column(input.x),
    f64Column(input.alignment),
  ]);
}
