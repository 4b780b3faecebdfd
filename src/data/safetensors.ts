/**
 * safetensors files (Hugging Face; what `safetensors.torch.save_file`, `safetensors.numpy.save_file` and
 * `flax`/`keras` exporters write): an 8-byte little-endian header length, a JSON header mapping each tensor's
 * name to its dtype, shape and [begin, end) byte range, then the little-endian data. Format:
 * https://github.com/huggingface/safetensors#format
 */
import { DataFormatError } from './errors';
import { decodeValues, DType, ITEM_BYTES, NdArray, sizeOf } from './ndarray';
import { ByteSource, sourceBytes } from './source';

const DTYPES: Record<string, DType> = {
  F16: 'float16', BF16: 'bfloat16', F32: 'float32', F64: 'float64',
  I8: 'int8', I16: 'int16', I32: 'int32', I64: 'int64',
  U8: 'uint8', U16: 'uint16', U32: 'uint32', U64: 'uint64', BOOL: 'bool',
};

/** The tensors of a safetensors file and its `__metadata__` strings. */
export interface Safetensors {
  tensors: Record<string, NdArray>;
  metadata: Record<string, string>;
}

/** Reads a safetensors file (a path or its bytes); float16/bfloat16 are widened to float32. */
export async function readSafetensors(source: ByteSource): Promise<Safetensors> {
  const { bytes, label } = await sourceBytes(source);
  if (bytes.length < 8) throw new DataFormatError(`${label}: not a safetensors file (shorter than its 8-byte header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = Number(view.getBigUint64(0, true));
  if (len > bytes.length - 8) throw new DataFormatError(`${label}: header length ${len} exceeds the file (${bytes.length} bytes): not safetensors, or truncated`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, len).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new DataFormatError(`${label}: the safetensors header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new DataFormatError(`${label}: the safetensors header is not a JSON object`);
  const body = 8 + len;
  const tensors: Record<string, NdArray> = {};
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof v?.dtype === 'string' ? DTYPES[v.dtype] : undefined;
    if (dtype === undefined) throw new DataFormatError(`${label}: tensor '${name}' has dtype ${JSON.stringify(v?.dtype)} (known: ${Object.keys(DTYPES).join(', ')})`);
    const shape = v.shape;
    const offsets = v.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) || !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new DataFormatError(`${label}: tensor '${name}' needs a shape and data_offsets [begin, end], got ${JSON.stringify(value)}`);
    }
    const [begin, end] = offsets as number[];
    const count = sizeOf(shape as number[]);
    if (end - begin !== count * ITEM_BYTES[dtype]) throw new DataFormatError(`${label}: tensor '${name}' ${dtype} [${shape.join(', ')}] needs ${count * ITEM_BYTES[dtype]} bytes, its offsets span ${end - begin}`);
    if (body + end > bytes.length) throw new DataFormatError(`${label}: tensor '${name}' ends at byte ${body + end}, the file has ${bytes.length} (truncated)`);
    tensors[name] = { dtype, shape: [...(shape as number[])], data: decodeValues(bytes.subarray(body + begin, body + end), dtype, count, true) };
  }
  return { tensors, metadata };
}
