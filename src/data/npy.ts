/**
 * NumPy .npy files, as np.save writes them: format versions 1.0, 2.0 and 3.0; every numeric dtype and bool,
 * little- or big-endian (big-endian is converted), C or Fortran order (returned in C order), any rank.
 * Object and structured dtypes are refused with a DataFormatError, as are bad magic, malformed headers and
 * truncated data. Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 */
import { DataFormatError } from './errors';
import { decodeValues, DType, fortranToC, ITEM_BYTES, NdArray, sizeOf } from './ndarray';
import { ByteSource, sourceBytes } from './source';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** NumPy's kind+size codes ('f4', 'i8', 'b1', ...) to dtypes. */
const CODES: Record<string, DType> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64',
  b1: 'bool',
};

/** The parsed header of a .npy file. */
export interface NpyHeader {
  dtype: DType;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the first value from the start of the file. */
  dataOffset: number;
  version: string;
}

/** Parses the header of `bytes` (a .npy file); `label` names it in errors. */
export function parseNpyHeader(bytes: Uint8Array, label: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataFormatError(`${label}: not a .npy file (bad magic: expected \\x93NUMPY)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DataFormatError(`${label}: .npy format version ${major}.${bytes[7]} (known: 1.0, 2.0, 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new DataFormatError(`${label}: truncated .npy header`);
  const len = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (prefix + len > bytes.length) throw new DataFormatError(`${label}: truncated .npy header (it says ${len} bytes, the file has ${bytes.length - prefix} after the prefix)`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + prefix, len).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (!descr) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new DataFormatError(`${label}: structured dtypes are not supported (${text.trim()})`);
    throw new DataFormatError(`${label}: malformed .npy header, no 'descr' (${text.trim()})`);
  }
  const order = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!order || !shapeText || !text.trimStart().startsWith('{')) throw new DataFormatError(`${label}: malformed .npy header (${text.trim()})`);
  const code = descr[1];
  const endian = code[0];
  const dtype = CODES[code.slice(1)];
  if (!'<>|='.includes(endian) || dtype === undefined) throw new DataFormatError(`${label}: dtype '${code}' is not supported (numeric and bool only; object, string and datetime arrays are not)`);
  const parts = shapeText[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = parts.map(Number);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new DataFormatError(`${label}: bad shape (${shapeText[1]})`);
  const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  return { dtype, littleEndian: endian === '>' ? false : endian === '=' ? hostLittle : true, fortranOrder: order[1] === 'True', shape, dataOffset: prefix + len, version: `${major}.${bytes[7]}` };
}

/** Decodes a whole .npy file held in `bytes`. */
export function decodeNpy(bytes: Uint8Array, label: string): NdArray {
  const h = parseNpyHeader(bytes, label);
  const count = sizeOf(h.shape);
  const need = count * ITEM_BYTES[h.dtype];
  const have = bytes.length - h.dataOffset;
  if (have < need) throw new DataFormatError(`${label}: truncated: shape [${h.shape.join(', ')}] of ${h.dtype} needs ${need} data bytes, the file has ${have}`);
  const raw = decodeValues(bytes.subarray(h.dataOffset, h.dataOffset + need), h.dtype, count, h.littleEndian);
  const data = h.fortranOrder ? fortranToC(raw, h.shape) : raw;
  return { dtype: h.dtype, shape: h.shape, data };
}

/** Reads a .npy file (a path or its bytes): values in C order, typed by dtype (see NdArray). */
export async function readNpy(source: ByteSource): Promise<NdArray> {
  const { bytes, label } = await sourceBytes(source);
  return decodeNpy(bytes, label);
}
