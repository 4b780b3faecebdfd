/**
 * The n-dimensional array the readers return: a dtype name (NumPy's), a shape and the values in C (row-major)
 * order in the matching typed array. int64/uint64 stay exact as BigInt64Array/BigUint64Array; bool is a
 * Uint8Array of 0/1; float16 and bfloat16 are widened to Float32Array (exactly).
 */
import { ShapeError } from '../errors';
import type { Matrix } from '../linalg/matrix';

/** Element types the readers know, named as NumPy names them. */
export type DType =
  | 'float16' | 'bfloat16' | 'float32' | 'float64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool';

/** Typed array of each dtype's values. */
export type NdData =
  | Float32Array | Float64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** An array read from a file: values row-major (C order) whatever order the file stored. */
export interface NdArray {
  dtype: DType;
  shape: number[];
  data: NdData;
}

/** Bytes per element as stored in files. */
export const ITEM_BYTES: Record<DType, number> = {
  float16: 2, bfloat16: 2, float32: 4, float64: 8, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1,
};

/** Product of a shape (1 for a scalar's []). */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `a`'s values as float32 numbers (int64 through Number: exact up to 2^53). */
export function toFloat32(a: NdArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  const out = new Float32Array(a.data.length);
  const d = a.data;
  for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  return out;
}

/** `a` as an n x d float32 matrix: rows along the first axis, the other axes flattened row-major (rank >= 1). */
export function toMatrix(a: NdArray): Matrix<Float32Array> {
  if (a.shape.length === 0) throw new ShapeError('toMatrix: a scalar has no rows (rank 0)');
  const rows = a.shape[0];
  const cols = a.shape.length === 1 ? 1 : sizeOf(a.shape.slice(1));
  return { rows, cols, data: toFloat32(a) };
}

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Typed arrays that view stored bytes as they are (in the host's byte order). */
const FAST: Partial<Record<DType, new (b: ArrayBuffer) => NdData>> = {
  float32: Float32Array, float64: Float64Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
};

/** IEEE half-precision bits to a float (exact). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Decodes `count` elements of `dtype` from `bytes` (little- or big-endian) into a fresh typed array (always a copy,
 * aligned, in the host's order).
 */
export function decodeValues(bytes: Uint8Array, dtype: DType, count: number, littleEndian: boolean): NdData {
  const n = count;
  // The common case (file order = host order, no widening) is one copy into an aligned buffer.
  const fast = FAST[dtype];
  // new Uint8Array(view) copies into a fresh buffer of exactly that size (a Node Buffer's slice would be a view into a shared pool).
  if (fast && littleEndian === HOST_LITTLE) return new fast(new Uint8Array(bytes.subarray(0, n * ITEM_BYTES[dtype])).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return Uint8Array.from(bytes.subarray(0, n));
    case 'int8':
      return new Int8Array(Uint8Array.from(bytes.subarray(0, n)).buffer);
    case 'float16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, littleEndian));
      return out;
    }
    case 'bfloat16': {
      const out = new Float32Array(n);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = view.getUint16(2 * i, littleEndian) << 16;
      return out;
    }
    case 'int16': { const o = new Int16Array(n); for (let i = 0; i < n; i++) o[i] = view.getInt16(2 * i, littleEndian); return o; }
    case 'uint16': { const o = new Uint16Array(n); for (let i = 0; i < n; i++) o[i] = view.getUint16(2 * i, littleEndian); return o; }
    case 'int32': { const o = new Int32Array(n); for (let i = 0; i < n; i++) o[i] = view.getInt32(4 * i, littleEndian); return o; }
    case 'uint32': { const o = new Uint32Array(n); for (let i = 0; i < n; i++) o[i] = view.getUint32(4 * i, littleEndian); return o; }
    case 'float32': { const o = new Float32Array(n); for (let i = 0; i < n; i++) o[i] = view.getFloat32(4 * i, littleEndian); return o; }
    case 'float64': { const o = new Float64Array(n); for (let i = 0; i < n; i++) o[i] = view.getFloat64(8 * i, littleEndian); return o; }
    case 'int64': { const o = new BigInt64Array(n); for (let i = 0; i < n; i++) o[i] = view.getBigInt64(8 * i, littleEndian); return o; }
    case 'uint64': { const o = new BigUint64Array(n); for (let i = 0; i < n; i++) o[i] = view.getBigUint64(8 * i, littleEndian); return o; }
  }
}

/** Values stored in Fortran (column-major) order, reordered to C order. */
export function fortranToC<T extends NdData>(data: T, shape: readonly number[]): T {
  const rank = shape.length;
  if (rank < 2) return data;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  // Fortran strides: the first axis varies fastest.
  const fStride: number[] = [];
  let s = 1;
  for (let k = 0; k < rank; k++) {
    fStride.push(s);
    s *= shape[k];
  }
  const idx = new Array<number>(rank).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = 0; k < rank; k++) f += idx[k] * fStride[k];
    (out as unknown as number[])[c] = (data as unknown as number[])[f];
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}
