/**
 * The registry of result kinds: the columns of each, the schema a run writes (columns + run metadata),
 * and the check a reader applies before trusting a file's columns.
 */
import { DataType, Field, List, Schema } from 'apache-arrow';
import { ArrowFormatError, InvalidOptionError } from '../errors';
import { ALIGNMENT_FIELDS, AlignmentColumns } from './kinds/alignment';
import { DENSITY_FIELDS, DensityColumns } from './kinds/density';
import { KERNEL_TILE_FIELDS, KernelTileColumns } from './kinds/kernel-tiles';
import { LAYERWISE_FIELDS, LayerwiseColumns } from './kinds/layerwise';
import { ONE_STEP_SWEEP_FIELDS, OneStepSweepColumns } from './kinds/one-step-sweep';
import { RIDGE_RISK_FIELDS, RidgeRiskColumns } from './kinds/ridge-risk';
import { SPECTRUM_FIELDS, SpectrumColumns } from './kinds/spectrum';
import { runMetadata, RunMeta } from './metadata';
import { TRAINING_FIELDS, TrainingColumns } from '../training/schema';

/** Column types of each result kind, keyed by the name written in the `result_kind` metadata. */
export interface ResultColumns {
  'kernel-tiles': KernelTileColumns;
  spectrum: SpectrumColumns;
  density: DensityColumns;
  alignment: AlignmentColumns;
  'one-step-sweep': OneStepSweepColumns;
  'ridge-risk': RidgeRiskColumns;
  layerwise: LayerwiseColumns;
  training: TrainingColumns;
}

/** A result kind's name. */
export type ResultKind = keyof ResultColumns;

const FIELDS: { readonly [K in ResultKind]: readonly Field[] } = {
  'kernel-tiles': KERNEL_TILE_FIELDS,
  spectrum: SPECTRUM_FIELDS,
  density: DENSITY_FIELDS,
  alignment: ALIGNMENT_FIELDS,
  'one-step-sweep': ONE_STEP_SWEEP_FIELDS,
  'ridge-risk': RIDGE_RISK_FIELDS,
  layerwise: LAYERWISE_FIELDS,
  training: TRAINING_FIELDS,
};

/** Every result kind, in documentation order. */
export const RESULT_KINDS = Object.keys(FIELDS) as ResultKind[];

/** True when `name` is a known result kind. */
export function isResultKind(name: string): name is ResultKind {
  return Object.prototype.hasOwnProperty.call(FIELDS, name);
}

/** The columns of `kind`, in order. */
export function resultFields(kind: ResultKind): readonly Field[] {
  return FIELDS[kind];
}

/** The schema a run writes for `kind`: its columns plus the run metadata (`extra`: kind-specific keys). */
export function resultSchema<K extends ResultKind>(
  kind: K,
  meta: RunMeta = {},
  extra: Readonly<Record<string, string>> = {},
): Schema<ResultColumns[K]> {
  if (!isResultKind(kind)) throw new InvalidOptionError(`unknown result kind '${String(kind)}'; known: ${RESULT_KINDS.join(', ')}`);
  return new Schema<ResultColumns[K]>([...FIELDS[kind]] as Field[], runMetadata(kind, meta, extra));
}

/**
 * Throws ArrowFormatError unless `schema` has exactly the columns of `kind`, in order, with the same types.
 * Nullability and list item names are not compared: pyarrow and polars write them differently.
 */
export function checkSchema(kind: ResultKind, schema: Schema, where: string): void {
  const want = FIELDS[kind];
  const got = schema.fields;
  const describe = (fs: readonly Field[]): string => fs.map((f) => `${f.name}: ${typeName(f.type)}`).join(', ');
  const fail = (why: string): never => {
    throw new ArrowFormatError(`${where}: wrong schema for a '${kind}' result: ${why}.\n  expected: ${describe(want)}\n  found:    ${describe(got)}`);
  };
  if (got.length !== want.length) fail(`${got.length} columns, expected ${want.length}`);
  want.forEach((f, i) => {
    if (got[i].name !== f.name) fail(`column ${i} is '${got[i].name}', expected '${f.name}'`);
    if (!sameType(f.type, got[i].type)) fail(`column '${f.name}' is ${typeName(got[i].type)}, expected ${typeName(f.type)}`);
  });
}

function sameType(a: DataType, b: DataType): boolean {
  if (a.typeId !== b.typeId) return false;
  if (a instanceof List && b instanceof List) return sameType(a.valueType, b.valueType);
  // Int and Float share a type id across widths; toString names the width (Int32, Float64, ...).
  return String(a) === String(b);
}

function typeName(t: DataType): string {
  return String(t);
}
