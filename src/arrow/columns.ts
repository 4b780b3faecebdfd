/**
 * Column builders over typed arrays. They wrap the caller's arrays without copying where Arrow's layout
 * allows it (numbers, float32 lists), so a 16 MB kernel tile costs no copy to batch.
 */
import {
  Bool, Data, Field, Float32, Float64, Int32, Int64, List, makeBuilder, makeData, RecordBatch, Schema, Struct, TypeMap, Utf8,
} from 'apache-arrow';
import { ShapeError } from '../errors';

const encoder = new TextEncoder();

/** The list element field every ntk-lab list column uses ('item', as pyarrow names it). */
export function itemField<T extends Float32 | Int32>(type: T): Field<T> {
  return new Field('item', type, false);
}

/** Float64 column over `values` (no copy when given a Float64Array). */
export function f64Column(values: ArrayLike<number>): Data<Float64> {
  const data = values instanceof Float64Array ? values : Float64Array.from(values);
  return makeData({ type: new Float64(), length: data.length, nullCount: 0, data });
}

/** Int32 column; values must be integers in [-2^31, 2^31). */
export function i32Column(values: ArrayLike<number>, name: string): Data<Int32> {
  const data = values instanceof Int32Array ? values : Int32Array.from(values, (v, i) => checkInt32(v, `${name}[${i}]`));
  return makeData({ type: new Int32(), length: data.length, nullCount: 0, data });
}

/** Int64 column from safe integers (JS numbers; read back as bigint by Arrow, as int64 by numpy). */
export function i64Column(values: ArrayLike<number>, name: string): Data<Int64> {
  const data = BigInt64Array.from(Array.from(values), (v, i) => {
    if (!Number.isSafeInteger(v)) throw new ShapeError(`${name}[${i}] must be a safe integer, got ${v}`);
    return BigInt(v);
  });
  return makeData({ type: new Int64(), length: data.length, nullCount: 0, data });
}

/** Bool column. */
export function boolColumn(values: readonly boolean[]): Data<Bool> {
  const b = makeBuilder({ type: new Bool(), nullValues: [] });
  for (const v of values) b.append(v);
  return b.finish().flush();
}

/** Utf8 column of one string per row. */
export function utf8Column(values: readonly string[]): Data<Utf8> {
  const bytes = values.map((s) => encoder.encode(s));
  const valueOffsets = new Int32Array(values.length + 1);
  for (let i = 0; i < bytes.length; i++) valueOffsets[i + 1] = valueOffsets[i] + bytes[i].length;
  const data = new Uint8Array(valueOffsets[values.length]);
  bytes.forEach((b, i) => data.set(b, valueOffsets[i]));
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets, data });
}

/** Utf8 column holding `value` in each of `n` rows (labels repeated along a spectrum or a curve). */
export function utf8Repeat(value: string, n: number): Data<Utf8> {
  const b = encoder.encode(value);
  const valueOffsets = new Int32Array(n + 1);
  const data = new Uint8Array(b.length * n);
  for (let i = 0; i < n; i++) {
    data.set(b, i * b.length);
    valueOffsets[i + 1] = (i + 1) * b.length;
  }
  return makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets, data });
}

/** List<Float32> column: row i is values[offsets[i] .. offsets[i+1]) (offsets has rows+1 entries, starts at 0). */
export function f32ListColumn(values: Float32Array, offsets: Int32Array): Data<List<Float32>> {
  const child = makeData({ type: new Float32(), length: values.length, nullCount: 0, data: values });
  return makeData({ type: new List(itemField(new Float32())), length: offsets.length - 1, nullCount: 0, valueOffsets: offsets, child });
}

/** List<Int32> column from one integer array per row (small lists: shapes). */
export function i32ListColumn(rows: readonly (readonly number[])[], name: string): Data<List<Int32>> {
  const offsets = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => (offsets[i + 1] = offsets[i] + r.length));
  const flat = new Int32Array(offsets[rows.length]);
  rows.forEach((r, i) => r.forEach((v, j) => (flat[offsets[i] + j] = checkInt32(v, `${name}[${i}][${j}]`))));
  const child = makeData({ type: new Int32(), length: flat.length, nullCount: 0, data: flat });
  return makeData({ type: new List(itemField(new Int32())), length: rows.length, nullCount: 0, valueOffsets: offsets, child });
}

/** A record batch of `fields` from one Data per field, all of the same length. */
export function batchOf<T extends TypeMap>(fields: readonly Field[], columns: readonly Data[], metadata?: Map<string, string>): RecordBatch<T> {
  if (columns.length !== fields.length) {
    throw new ShapeError(`batch needs ${fields.length} columns (${fields.map((f) => f.name).join(', ')}), got ${columns.length}`);
  }
  const length = columns.length ? columns[0].length : 0;
  columns.forEach((c, i) => {
    if (c.length !== length) {
      throw new ShapeError(`column '${fields[i].name}' has ${c.length} rows, column '${fields[0].name}' has ${length}`);
    }
  });
  const data = makeData({ type: new Struct<T>([...fields] as Field<T[keyof T]>[]), length, nullCount: 0, children: [...columns] });
  return new RecordBatch<T>(new Schema<T>([...fields] as Field<T[keyof T]>[]), data, metadata);
}

/** A 0-row batch of `fields` (every child buffer present, so writers can encode it), with custom metadata. */
export function emptyBatch<T extends TypeMap>(fields: readonly Field[], metadata?: Map<string, string>): RecordBatch<T> {
  return batchOf<T>(fields, fields.map((f) => makeBuilder({ type: f.type }).finish().flush()), metadata);
}

function checkInt32(v: number, name: string): number {
  if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new ShapeError(`${name} must be an int32, got ${v}`);
  return v;
}
