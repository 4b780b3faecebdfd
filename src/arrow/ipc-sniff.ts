/**
 * Recognises the IPC format from a file's first and last bytes, before apache-arrow parses anything:
 * its reader, given a truncated file or a foreign one, may throw an opaque error or read a prefix, and
 * a reader of results must say what is wrong instead.
 */
import { ArrowFormatError } from '../errors';
import type { IpcFormat } from './ipc-encoder';

const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
const CONTINUATION = [0xff, 0xff, 0xff, 0xff];

/** 'file' or 'stream' for a whole, closed IPC payload; throws ArrowFormatError saying why otherwise. */
export function sniffIpc(bytes: Uint8Array, where: string): IpcFormat {
  if (bytes.length === 0) throw new ArrowFormatError(`${where}: the file is empty`);
  if (startsWith(bytes, FILE_MAGIC, 0)) {
    // magic (8) + end-of-stream (8) + footer size (4) + magic (6) is the least a closed file holds.
    if (bytes.length < 26 || !startsWith(bytes, FILE_MAGIC, bytes.length - 6)) {
      throw new ArrowFormatError(
        `${where}: truncated Arrow IPC file (${bytes.length} bytes, no footer): the writer did not close it (killed process, or still being written)`,
      );
    }
    return 'file';
  }
  if (startsWith(bytes, CONTINUATION, 0)) {
    const n = bytes.length;
    const eos = n >= 16 && startsWith(bytes, CONTINUATION, n - 8) && bytes[n - 4] === 0 && bytes[n - 3] === 0 && bytes[n - 2] === 0 && bytes[n - 1] === 0;
    if (!eos) {
      throw new ArrowFormatError(
        `${where}: truncated Arrow IPC stream (${n} bytes, no end-of-stream marker): the writer did not close it (killed process, or still being written)`,
      );
    }
    return 'stream';
  }
  throw new ArrowFormatError(`${where}: not an Arrow IPC file or stream (${foreignHint(bytes)})`);
}

function foreignHint(bytes: Uint8Array): string {
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  if (ascii(0, 4) === 'PAR1') return 'it is a Parquet file; write Arrow IPC with pyarrow.ipc.new_file';
  if (ascii(0, 4) === 'FEA1') return 'it is a Feather v1 file; write Feather v2 / Arrow IPC instead';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'it is gzip-compressed; decompress it first';
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = bytes.subarray(0, 64).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  return text ? `it starts with the text ${JSON.stringify(ascii(0, Math.min(24, bytes.length)))}` : `first bytes: ${head}`;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at: number): boolean {
  if (at < 0 || at + prefix.length > bytes.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}
