/**
 * The one matrix type of linalg: a row-major view over a plain typed array. No class, no hidden
 * copies: `data` is the caller's array, and outputs are fresh arrays the caller owns.
 */
import { ShapeError } from '../errors';

/** Element storage: float32 (what tfjs and sgemm compute) or float64 (eigensolvers, solves). */
export type FloatArray = Float32Array | Float64Array;

/** A rows x cols matrix stored row-major: element (i, j) is data[i * cols + j]; data.length === rows * cols. */
export interface Matrix<T extends FloatArray = FloatArray> {
  rows: number;
  cols: number;
  data: T;
}

/** Wraps `data` (length rows*cols, row-major) as a Matrix without copying; throws ShapeError on a wrong length. */
export function matrix<T extends FloatArray>(rows: number, cols: number, data: T): Matrix<T> {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new ShapeError(`matrix: rows and cols must be non-negative integers, got ${rows} x ${cols}`);
  }
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
    throw new ShapeError(`matrix: data must be a Float32Array or Float64Array, got ${describe(data)}`);
  }
  if (data.length !== rows * cols) {
    throw new ShapeError(`matrix: data has length ${data.length}, a ${rows} x ${cols} matrix needs ${rows * cols}`);
  }
  return { rows, cols, data };
}

/** A fresh zero matrix of the same precision as `like` (rows x cols). */
export function zerosLike<T extends FloatArray>(like: T, rows: number, cols: number): Matrix<T> {
  const data = (like instanceof Float32Array ? new Float32Array(rows * cols) : new Float64Array(rows * cols)) as T;
  return { rows, cols, data };
}

/** Short description of a value for error messages ("Float32Array(12)", "number", ...). */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${(x as unknown as { length?: number }).length ?? x.byteLength})`;
  if (Array.isArray(x)) return `Array(${x.length})`;
  return typeof x;
}
