/**
 * A small zip reader for what np.savez / np.savez_compressed (Python's zipfile) write: entries stored (method 0)
 * or deflated (method 8, inflated by node:zlib), zip64 records and extra fields included (numpy writes every
 * entry with force_zip64). Each entry's CRC-32 is checked. Encrypted entries and other methods are refused.
 */
import { inflateRawSync } from 'node:zlib';
import { DataFormatError } from './errors';

/** One file of an archive. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, as zip uses) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function big(view: DataView, at: number, label: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DataFormatError(`${label}: zip64 value out of range`);
  return Number(v);
}

/** The entries listed in `bytes`' central directory. */
export function zipEntries(bytes: Uint8Array, label: string): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new DataFormatError(`${label}: not a zip archive (no end-of-central-directory record; truncated?)`);
  let count = view.getUint16(eocd + 10, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const z = big(view, eocd - 12, label);
    if (z + 56 > bytes.length || view.getUint32(z, true) !== ZIP64_EOCD) throw new DataFormatError(`${label}: bad zip64 end-of-central-directory record`);
    count = big(view, z + 32, label);
    cdOffset = big(view, z + 48, label);
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== CENTRAL) throw new DataFormatError(`${label}: corrupt zip central directory (entry ${k})`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let headerOffset = view.getUint32(p + 42, true);
    const name = Buffer.from(bytes.buffer, bytes.byteOffset + p + 46, nameLen).toString(flags & 0x800 ? 'utf8' : 'latin1');
    // Zip64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
    let e = p + 46 + nameLen;
    const end = e + extraLen;
    while (e + 4 <= end) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = big(view, q, label); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = big(view, q, label); q += 8; }
        if (headerOffset === 0xffffffff) { headerOffset = big(view, q, label); q += 8; }
      }
      e += 4 + len;
    }
    if (flags & 1) throw new DataFormatError(`${label}: entry '${name}' is encrypted`);
    entries.push({ name, method, compressedSize, size, crc32: crc, headerOffset });
    p = end + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of `entry` (CRC checked). */
export function zipRead(bytes: Uint8Array, entry: ZipEntry, label: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = entry.headerOffset;
  if (h + 30 > bytes.length || view.getUint32(h, true) !== LOCAL) throw new DataFormatError(`${label}: entry '${entry.name}': bad local header`);
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  if (start + entry.compressedSize > bytes.length) throw new DataFormatError(`${label}: entry '${entry.name}' is truncated`);
  const packed = bytes.subarray(start, start + entry.compressedSize);
  let out: Uint8Array;
  if (entry.method === 0) out = packed;
  else if (entry.method === 8) {
    try {
      out = inflateRawSync(packed);
    } catch (e) {
      throw new DataFormatError(`${label}: entry '${entry.name}': corrupt deflate data (${(e as Error).message})`);
    }
  } else throw new DataFormatError(`${label}: entry '${entry.name}' uses compression method ${entry.method} (stored and deflate only)`);
  if (out.length !== entry.size) throw new DataFormatError(`${label}: entry '${entry.name}' has ${out.length} bytes, the directory says ${entry.size}`);
  if (crc32(out) !== entry.crc32) throw new DataFormatError(`${label}: entry '${entry.name}' fails its CRC-32 check (corrupt)`);
  return out;
}
