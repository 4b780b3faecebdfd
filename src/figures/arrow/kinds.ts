/**
 * The result kinds the widgets read and, for each, the columns they use with their Arrow types (the
 * layouts of docs/arrow-schemas.md, schema version 1). A buffer of another kind, without one of these
 * columns, or with another type is refused by name. Columns not listed are allowed and ignored, so a
 * later additive schema change does not break an older front end. test/widgets/kinds.test.ts checks
 * this table against src/arrow's schemas.
 */

/** Column type as the widgets need it. */
export type ColumnType = 'f64' | 'f32' | 'i32' | 'i64' | 'utf8' | 'bool' | 'list<f32>' | 'list<i32>';

/** JS value of a decoded column of each type. */
export interface ColumnValue {
  f64: Float64Array;
  f32: Float32Array;
  i32: Int32Array;
  /** int64 as doubles (seeds are safe integers). */
  i64: Float64Array;
  utf8: string[];
  bool: boolean[];
  'list<f32>': Float32Array[];
  'list<i32>': Int32Array[];
}

/** The newest schema version this front end knows (the `schema_version` metadata). */
export const FRONTEND_SCHEMA_VERSION = 1;

/** Columns read per kind. */
export const KIND_COLUMNS = {
  spectrum: { index: 'i32', eigenvalue: 'f64', kernel_kind: 'utf8', label: 'utf8' },
  density: { curve: 'utf8', law: 'utf8', x: 'f64', density: 'f64' },
  'one-step-sweep': {
    eta: 'f64', scaling: 'utf8', seed: 'i64', width: 'i32', lambda: 'f64', alignment: 'f64', spike_norm: 'f64', bulk_norm: 'f64',
    risk_initial: 'f64', risk_trained: 'f64', statistic: 'utf8', eta_factor: 'f64', alignment_w1: 'f64', risk_linear: 'f64',
    risk_null: 'f64', risk_lower_bound: 'f64',
  },
  'kernel-tiles': {
    kernel: 'i32', label: 'utf8', kernel_kind: 'utf8', shape: 'list<i32>', row_start: 'i32', row_end: 'i32', col_start: 'i32',
    col_end: 'i32', values: 'list<f32>',
  },
  training: { step: 'i32', epoch: 'f64', metric: 'utf8', label: 'utf8', value: 'f64' },
} as const satisfies Record<string, Record<string, ColumnType>>;

/** A result kind the widgets read. */
export type WidgetKind = keyof typeof KIND_COLUMNS;

/** The decoded columns of a kind: name -> typed values. */
export type KindColumns<K extends WidgetKind> = { [C in keyof (typeof KIND_COLUMNS)[K]]: ColumnValue[(typeof KIND_COLUMNS)[K][C] & ColumnType] };

/** True when `kind` is a kind the widgets read. */
export function isWidgetKind(kind: string): kind is WidgetKind {
  return Object.prototype.hasOwnProperty.call(KIND_COLUMNS, kind);
}
