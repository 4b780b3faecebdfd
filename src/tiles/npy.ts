/**
 * NumPy .npy files (format 1.0/2.0) of float32, C order: a short header, then the row-major values, so that
 * `np.load(path, mmap_mode='r')` maps the file without reading it, and `readKernelBlock` reads a sub-block with
 * one positioned read per row, never the rest. Written here for assembled kernels.
 */
import { open } from 'node:fs/promises';
import { InvalidOptionError, ShapeError } from '../errors';
import { JobFormatError } from './errors';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** The header of a float32 C-order array of `shape`, padded so that the data starts at a multiple of 64 bytes. */
export function npyHeader(shape: readonly number[]): Buffer {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // Version 1.0 has a 2-byte header length; 2.0 a 4-byte one (only for headers over 64 KiB).
  const v2 = dict.length + 12 > 65535;
  const prefix = v2 ? 12 : 10;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const text = dict.padEnd(total - prefix - 1, ' ') + '\n';
  const out = Buffer.alloc(total);
  MAGIC.copy(out, 0);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  if (v2) out.writeUInt32LE(text.length, 8);
  else out.writeUInt16LE(text.length, 8);
  out.write(text, prefix, 'latin1');
  return out;
}

/** A .npy file's shape and where its data starts. */
export interface NpyInfo {
  shape: number[];
  dataOffset: number;
}

/** Reads and checks the header of a float32 C-order .npy file. */
export async function readNpyInfo(path: string): Promise<NpyInfo> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(12);
    await fh.read(head, 0, 12, 0);
    if (!head.subarray(0, 6).equals(MAGIC)) throw new JobFormatError(`${path}: not a .npy file`);
    const v2 = head[6] >= 2;
    const len = v2 ? head.readUInt32LE(8) : head.readUInt16LE(8);
    const prefix = v2 ? 12 : 10;
    const text = Buffer.alloc(len);
    await fh.read(text, 0, len, prefix);
    const dict = text.toString('latin1');
    if (!/'descr':\s*'<f4'/.test(dict) || !/'fortran_order':\s*False/.test(dict)) throw new JobFormatError(`${path}: not a little-endian float32 C-order array (${dict.trim()})`);
    const m = /'shape':\s*\(([^)]*)\)/.exec(dict);
    if (!m) throw new JobFormatError(`${path}: no shape in the header`);
    const shape = m[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
    const dataOffset = prefix + len;
    const size = (await fh.stat()).size;
    const need = dataOffset + shape.reduce((a, b) => a * b, 1) * 4;
    if (size !== need) throw new JobFormatError(`${path}: ${size} bytes, the header's shape [${shape.join(', ')}] needs ${need} (truncated?)`);
    return { shape, dataOffset };
  } finally {
    await fh.close();
  }
}

/** A block read from a kernel matrix file. */
export interface KernelBlock {
  /** Row-major values, (rowEnd - rowStart) x (colEnd - colStart). */
  values: Float32Array;
  rows: [number, number];
  cols: [number, number];
  /** Bytes read from the file, header included: the block's own size, never the whole matrix. */
  bytesRead: number;
}

/**
 * Rows [r0, r1) x columns [c0, c1) of the 2-D view [shape[0], product(shape[1:])] of a float32 .npy file
 * (an assembled kernel), read without loading the rest.
 */
export async function readKernelBlock(path: string, rows: [number, number], cols: [number, number]): Promise<KernelBlock> {
  const info = await readNpyInfo(path);
  const nRows = info.shape[0];
  const nCols = info.shape.slice(1).reduce((a, b) => a * b, 1);
  const [r0, r1] = rows;
  const [c0, c1] = cols;
  if (![r0, r1, c0, c1].every(Number.isSafeInteger) || r0 < 0 || r0 > r1 || r1 > nRows || c0 < 0 || c0 > c1 || c1 > nCols) {
    throw new ShapeError(`block rows [${r0}, ${r1}) x cols [${c0}, ${c1}) is outside the ${nRows} x ${nCols} matrix in ${path}`);
  }
  const w = c1 - c0;
  const values = new Float32Array((r1 - r0) * w);
  const bytes = new Uint8Array(values.buffer);
  let bytesRead = info.dataOffset;
  const fh = await open(path, 'r');
  try {
    for (let r = r0; r < r1; r++) {
      const { bytesRead: got } = await fh.read(bytes, (r - r0) * w * 4, w * 4, info.dataOffset + (r * nCols + c0) * 4);
      if (got !== w * 4) throw new JobFormatError(`${path}: short read at row ${r}`);
      bytesRead += got;
    }
  } finally {
    await fh.close();
  }
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new InvalidOptionError('big-endian hosts are not supported');
  return { values, rows: [r0, r1], cols: [c0, c1], bytesRead };
}
