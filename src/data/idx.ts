/**
 * IDX files (LeCun's MNIST format; also Fashion-MNIST, EMNIST, KMNIST): two zero bytes, a type code, the rank,
 * the dimensions as big-endian uint32, then the big-endian values. Gzipped files (.gz) are inflated first.
 */
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from './errors';
import { decodeValues, DType, ITEM_BYTES, NdArray, sizeOf } from './ndarray';
import { ByteSource, sourceBytes } from './source';

const TYPES: Record<number, DType> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** Decodes an IDX file held in `bytes` (gzip detected by its magic). */
export function decodeIdx(input: Uint8Array, label: string): NdArray {
  let bytes = input;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new DataFormatError(`${label}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataFormatError(`${label}: not an IDX file (bad magic: the first two bytes must be 0)`);
  const dtype = TYPES[bytes[2]];
  if (dtype === undefined) throw new DataFormatError(`${label}: unknown IDX type code 0x${bytes[2].toString(16)}`);
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = 4 + 4 * rank;
  if (bytes.length < start) throw new DataFormatError(`${label}: truncated IDX header`);
  const shape = Array.from({ length: rank }, (_, k) => view.getUint32(4 + 4 * k, false));
  const count = sizeOf(shape);
  const need = count * ITEM_BYTES[dtype];
  if (bytes.length - start < need) throw new DataFormatError(`${label}: truncated: shape [${shape.join(', ')}] of ${dtype} needs ${need} data bytes, the file has ${bytes.length - start}`);
  return { dtype, shape, data: decodeValues(bytes.subarray(start, start + need), dtype, count, false) };
}

/** Reads an IDX file (a path or its bytes, plain or gzipped). */
export async function readIdx(source: ByteSource): Promise<NdArray> {
  const { bytes, label } = await sourceBytes(source);
  return decodeIdx(bytes, label);
}
