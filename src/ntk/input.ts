/**
 * Validation and conversion of the inputs x1, x2 that every kernel function accepts: a tf.Tensor2D, a number[][]
 * or a row-major Matrix. Fails early, naming the argument and the shape received, as tfjs-core's ops do.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NonFiniteError, ShapeError } from '../errors';
import { Matrix } from '../linalg';

/** Anything that holds a batch of n inputs of dimension d: [n, d]. */
export type InputBatch = tf.Tensor | number[][] | Matrix;

function isMatrix(x: unknown): x is Matrix {
  return typeof x === 'object' && x !== null && 'rows' in x && 'cols' in x && 'data' in x;
}

/** Converts `x` (named `name` in errors) to a float32 row-major n x inputDim matrix, checking shape and finiteness. */
export function toInputMatrix(x: InputBatch, name: string, inputDim: number): Matrix<Float32Array> {
  let rows: number;
  let cols: number;
  let data: Float32Array;
  if (x instanceof tf.Tensor) {
    if (x.rank !== 2) throw new ShapeError(`${name}: expected a rank-2 tensor [n, ${inputDim}], got shape [${x.shape.join(', ')}]`);
    [rows, cols] = x.shape as [number, number];
    data = Float32Array.from(x.dataSync() as ArrayLike<number>);
  } else if (Array.isArray(x)) {
    rows = x.length;
    if (rows === 0) throw new ShapeError(`${name}: empty batch (0 rows); need at least one input of dimension ${inputDim}`);
    if (!Array.isArray(x[0])) throw new ShapeError(`${name}: expected number[][] (rows of length ${inputDim}), got a flat array`);
    cols = x[0].length;
    data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = x[i];
      if (!Array.isArray(row) || row.length !== cols) {
        throw new ShapeError(`${name}: ragged batch: row 0 has ${cols} values, row ${i} has ${Array.isArray(row) ? row.length : typeof row}`);
      }
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j];
    }
  } else if (isMatrix(x)) {
    rows = x.rows;
    cols = x.cols;
    // Checked here, at the API, so that `rows: 2.5` or `rows: -1` is named as such rather than surfacing as a
    // length mismatch of fractional or negative sizes (or worse) from deep inside.
    for (const [field, v] of [['rows', rows], ['cols', cols]] as const) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new ShapeError(`${name}.${field} must be a non-negative integer, got ${typeof v === 'number' ? v : typeof v}`);
      }
    }
    if (!ArrayBuffer.isView(x.data) && !Array.isArray(x.data)) {
      throw new ShapeError(`${name}.data must be a Float32Array, Float64Array or number[], got ${Object.prototype.toString.call(x.data).slice(8, -1)}`);
    }
    if (x.data.length !== rows * cols) throw new ShapeError(`${name}: data has length ${x.data.length}, ${rows} x ${cols} needs ${rows * cols}`);
    data = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
  } else {
    throw new ShapeError(`${name}: expected a tf.Tensor2D, number[][] or {rows, cols, data}, got ${typeof x}`);
  }
  if (rows === 0) throw new ShapeError(`${name}: empty batch (0 rows); need at least one input of dimension ${inputDim}`);
  if (cols !== inputDim) throw new ShapeError(`${name}: inputs have dimension ${cols}, the model expects ${inputDim} (shape [${rows}, ${cols}])`);
  const i = firstNonFinite(data);
  if (i >= 0) throw new NonFiniteError(`${name}: non-finite value ${data[i]} at row ${Math.floor(i / cols)}, column ${i % cols}`);
  return { rows, cols, data };
}

/** Index of the first NaN/Infinity in `data`, or -1. Branch-free scan (v * 0 is NaN exactly for non-finite v), then a search only on failure. */
export function firstNonFinite(data: Float32Array | Float64Array): number {
  let acc = 0;
  for (let i = 0; i < data.length; i++) acc += data[i] * 0;
  if (acc === 0) return -1;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
