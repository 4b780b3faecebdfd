/**
 * The inputs of a job as Arrow IPC files: one row per example, one column `x` of type
 * fixed_size_list<float32>[d], d = product of the example's shape (row-major, as tfjs lays a tensor out).
 * Schema metadata: `producer: ntk-lab`, `ntk_lab_input: x1|x2`, `input_shape: [n, ...]` (JSON; [n, d] for
 * vectors, [n, h, w, c] for images). A file written by pyarrow with that column is read too (shape [n, d] when
 * it has no `input_shape`). Values are stored bit for bit.
 */
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { Field, FixedSizeList, Float32, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC, Type } from 'apache-arrow';
import { NonFiniteError, ShapeError } from '../errors';
import { firstNonFinite, InputBatch } from '../ntk/input';
import { VERSION } from '../version';
import { writeFileAtomic } from './atomic';
import { JobFormatError } from './errors';
import type { BlockRange } from './grid';

/** Inputs as stored: the full shape [n, ...] and the row-major float32 values. */
export interface StoredInputs {
  shape: number[];
  data: Float32Array;
}

/** The shape and float32 values of any input batch the kernel functions accept (checked: rectangular, finite, n >= 1). */
export function inputValues(x: InputBatch, name: string): StoredInputs {
  let shape: number[];
  let data: Float32Array;
  if (x instanceof tf.Tensor) {
    shape = [...x.shape];
    data = Float32Array.from(x.dataSync() as ArrayLike<number>);
  } else if (Array.isArray(x)) {
    const d = Array.isArray(x[0]) ? x[0].length : -1;
    if (x.length === 0 || d < 1) throw new ShapeError(`${name}: expected number[][] with at least one row of length >= 1`);
    data = new Float32Array(x.length * d);
    x.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== d) throw new ShapeError(`${name}: ragged batch: row 0 has ${d} values, row ${i} has ${Array.isArray(row) ? row.length : typeof row}`);
      data.set(row, i * d);
    });
    shape = [x.length, d];
  } else if (typeof x === 'object' && x !== null && 'rows' in x && 'data' in x) {
    if (!Number.isSafeInteger(x.rows) || !Number.isSafeInteger(x.cols) || x.data.length !== x.rows * x.cols) {
      throw new ShapeError(`${name}: a matrix needs integer rows and cols and rows x cols values, got ${x.rows} x ${x.cols} with ${x.data.length}`);
    }
    shape = [x.rows, x.cols];
    data = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
  } else {
    throw new ShapeError(`${name}: expected a tf.Tensor, number[][] or {rows, cols, data}, got ${typeof x}`);
  }
  if (shape.length < 2 || shape[0] < 1 || shape.slice(1).some((s) => s < 1)) {
    throw new ShapeError(`${name}: needs shape [n, ...] with n >= 1 and a non-empty example, got [${shape.join(', ')}]`);
  }
  const bad = firstNonFinite(data);
  if (bad >= 0) throw new NonFiniteError(`${name}: non-finite value ${data[bad]} at flat index ${bad}`);
  return { shape, data };
}

/** Writes inputs to `path` as an Arrow IPC file (atomically). */
export async function writeInputs(path: string, inputs: StoredInputs, name: string): Promise<void> {
  const [n] = inputs.shape;
  const d = inputs.data.length / n;
  const item = new Field('item', new Float32(), false);
  const type = new FixedSizeList(d, item);
  const column = makeData({ type, length: n, nullCount: 0, child: makeData({ type: new Float32(), length: n * d, data: inputs.data }) });
  const metadata = new Map([
    ['producer', 'ntk-lab'],
    ['producer_version', VERSION],
    ['ntk_lab_input', name],
    ['input_shape', JSON.stringify(inputs.shape)],
  ]);
  const schema = new Schema([new Field('x', type, false)], metadata);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [column] }));
  await writeFileAtomic(path, [tableToIPC(new Table(schema, [batch]), 'file')]);
}

/** Reads inputs written by `writeInputs` (or by pyarrow with a fixed_size_list<float32> column `x`). */
export async function readInputs(path: string): Promise<StoredInputs> {
  const raw = await readFile(path);
  const bytes = raw.byteOffset % 8 === 0 ? raw : new Uint8Array(raw);
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new JobFormatError(`${path}: not an Arrow IPC file (${(e as Error).message})`);
  }
  const field = table.schema.fields.find((f) => f.name === 'x');
  if (!field || field.type.typeId !== Type.FixedSizeList || (field.type as FixedSizeList).children[0].type.typeId !== Type.Float) {
    throw new JobFormatError(`${path}: needs a column 'x' of fixed_size_list<float32>, has ${table.schema.fields.map((f) => `${f.name}: ${f.type}`).join(', ')}`);
  }
  const d = (field.type as FixedSizeList).listSize;
  const n = table.numRows;
  const data = new Float32Array(n * d);
  let row = 0;
  for (const batch of table.batches) {
    const col = batch.getChild('x')!.data[0];
    if (col.nullCount > 0) throw new JobFormatError(`${path}: column 'x' has nulls`);
    const child = col.children[0] as typeof col.children[0] & { values: Float32Array };
    if (!(child.values instanceof Float32Array)) throw new JobFormatError(`${path}: column 'x' holds ${child.type}, not float32`);
    const start = (child.offset + col.offset * d);
    data.set(child.values.subarray(start, start + batch.numRows * d), row * d);
    row += batch.numRows;
  }
  const stored = table.schema.metadata.get('input_shape');
  const shape = stored ? (JSON.parse(stored) as number[]) : [n, d];
  if (!Array.isArray(shape) || shape[0] !== n || shape.slice(1).reduce((a, b) => a * b, 1) !== d) {
    throw new JobFormatError(`${path}: input_shape ${stored} does not match ${n} rows of ${d} values`);
  }
  return { shape, data };
}

/**
 * Examples `range` of `inputs` as the kernel functions take them: a row-major matrix view for vectors (no copy),
 * a tf.Tensor for images and other ranks (the caller disposes it).
 */
export function inputBlock(inputs: StoredInputs, range: BlockRange): InputBatch {
  const d = inputs.data.length / inputs.shape[0];
  const data = inputs.data.subarray(range.start * d, range.end * d);
  if (inputs.shape.length === 2) return { rows: range.end - range.start, cols: d, data };
  return tf.tensor(data, [range.end - range.start, ...inputs.shape.slice(1)], 'float32');
}
