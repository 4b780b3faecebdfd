/**
 * Columns read from a table (Arrow or Parquet), before they become a Dataset: numeric columns hold `width` values
 * per row (1 for a scalar column, k for a vector column: fixed_size_list<k> or lists all of length k), row-major;
 * string columns can only be labels (they become class indices).
 */
import type { Matrix } from '../linalg/matrix';
import { DataFormatError } from './errors';
import { normalizeColumns, Normalization } from './normalize';

/** One column of a table, as the readers hand it to `toDataset`. */
export type TableColumn =
  | { name: string; kind: 'numeric'; width: number; integer: boolean; values: Float64Array }
  | { name: string; kind: 'string'; values: string[] };

/** Options of the table readers (readArrowTable's tableDataset, readParquet). */
export interface TableOptions {
  /** Feature columns, in the order they become x's columns (default: every numeric column but the label, in table order). */
  features?: string[];
  /** The label column: integers -> Int32Array, floats -> Float32Array, strings -> class indices into `classes`. */
  label?: string;
  /** How x's columns are scaled (default 'none'); see Normalization. */
  normalize?: Normalization;
}

/** A table as features and (optionally) labels. */
export interface Dataset {
  /** n x d row-major float32: the feature columns side by side (a vector column of width k gives k columns). */
  x: Matrix<Float32Array>;
  /** Labels: Int32Array from an integer or string column, Float32Array from a float column; absent without `label`. */
  y?: Int32Array | Float32Array;
  /** Name of each column of x: the column's name, or `name[i]` for element i of a vector column. */
  featureNames: string[];
  labelName?: string;
  /** For a string label column: the distinct values in sorted order; y[i] indexes this list. */
  classes?: string[];
  /** What the normalisation did per column of x: x' = (x - shift) * scale. */
  scaling?: { shift: Float64Array; scale: Float64Array };
}

/** Assembles the chosen columns into a Dataset (DataFormatError for unknown or unusable columns). */
export function toDataset(columns: TableColumn[], options: TableOptions, label: string): Dataset {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const names = columns.map((c) => `${c.name}: ${c.kind === 'numeric' ? (c.width > 1 ? `${c.width}-vector` : c.integer ? 'integer' : 'float') : 'string'}`).join(', ');
  const pick = (name: string): TableColumn => {
    const c = byName.get(name);
    if (!c) throw new DataFormatError(`${label}: no column '${name}' (columns: ${names})`);
    return c;
  };
  const labelColumn = options.label === undefined ? undefined : pick(options.label);
  const featureColumns = (options.features ?? columns.filter((c) => c.kind === 'numeric' && c.name !== options.label).map((c) => c.name)).map(pick);
  if (featureColumns.length === 0) throw new DataFormatError(`${label}: no feature columns (columns: ${names})`);
  const n = columns.length ? (columns[0].kind === 'numeric' ? columns[0].values.length / columns[0].width : columns[0].values.length) : 0;
  const featureNames: string[] = [];
  for (const c of featureColumns) {
    if (c.kind !== 'numeric') throw new DataFormatError(`${label}: feature column '${c.name}' holds strings (features must be numbers, or fixed-size lists of numbers)`);
    if (c.width === 1) featureNames.push(c.name);
    else for (let i = 0; i < c.width; i++) featureNames.push(`${c.name}[${i}]`);
  }
  const d = featureNames.length;
  const data = new Float32Array(n * d);
  let at = 0;
  const wide = new Float64Array(n * d);
  for (const c of featureColumns) {
    if (c.kind !== 'numeric') continue;
    for (let r = 0; r < n; r++) for (let k = 0; k < c.width; k++) wide[r * d + at + k] = c.values[r * c.width + k];
    at += c.width;
  }
  const scaling = normalizeColumns(wide, n, d, options.normalize ?? 'none');
  for (let i = 0; i < wide.length; i++) data[i] = wide[i];
  const out: Dataset = { x: { rows: n, cols: d, data }, featureNames, ...(scaling && { scaling }) };
  if (labelColumn) {
    out.labelName = labelColumn.name;
    if (labelColumn.kind === 'string') {
      const classes = [...new Set(labelColumn.values)].sort();
      const index = new Map(classes.map((c, i) => [c, i]));
      out.y = Int32Array.from(labelColumn.values, (v) => index.get(v) ?? -1);
      out.classes = classes;
    } else {
      if (labelColumn.width !== 1) throw new DataFormatError(`${label}: label column '${labelColumn.name}' is a ${labelColumn.width}-vector (a label is one value per row)`);
      out.y = labelColumn.integer ? Int32Array.from(labelColumn.values) : Float32Array.from(labelColumn.values);
    }
  }
  return out;
}
