/**
 * Targets and solutions as NumPy .npy files for `ntk-lab tiles solve`: reads a little-endian float32/float64
 * C-order array of shape (n,) or (n, k) (what `np.save` writes for y), writes an (n, k) float64 one.
 */
import { readFile } from 'node:fs/promises';
import { InvalidOptionError } from '../errors';
import type { Matrix } from '../linalg';
import { writeFileAtomic } from './atomic';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** A float32/float64 array of shape (n,) or (n, k) from `path`, as an n x k float64 matrix. */
export async function readNpyMatrix(path: string): Promise<Matrix<Float64Array>> {
  const buf = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new InvalidOptionError(`${path}: cannot read it (${e.code ?? e.message})`);
  });
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new InvalidOptionError(`${path}: not a .npy file (no \\x93NUMPY magic)`);
  const v2 = buf[6] >= 2;
  const len = v2 ? buf.readUInt32LE(8) : buf.readUInt16LE(8);
  const start = (v2 ? 12 : 10) + len;
  const dict = buf.subarray(v2 ? 12 : 10, start).toString('latin1');
  const descr = /'descr':\s*'([^']*)'/.exec(dict)?.[1];
  if (descr !== '<f8' && descr !== '<f4') throw new InvalidOptionError(`${path}: dtype '${descr}'; targets must be float64 or float32 (y.astype(np.float64))`);
  if (!/'fortran_order':\s*False/.test(dict)) throw new InvalidOptionError(`${path}: Fortran order; save a C-order array (np.ascontiguousarray(y))`);
  const m = /'shape':\s*\(([^)]*)\)/.exec(dict);
  const shape = (m?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.length < 1 || shape.length > 2) throw new InvalidOptionError(`${path}: shape (${shape.join(', ')}); targets are (n,) or (n, k)`);
  const [rows, cols] = [shape[0], shape[1] ?? 1];
  const size = descr === '<f8' ? 8 : 4;
  if (buf.length - start !== rows * cols * size) throw new InvalidOptionError(`${path}: ${buf.length - start} data bytes, shape (${shape.join(', ')}) needs ${rows * cols * size} (truncated?)`);
  const bytes = buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length);
  const data = descr === '<f8' ? new Float64Array(bytes) : Float64Array.from(new Float32Array(bytes));
  return { rows, cols, data };
}

/** Writes an n x k float64 matrix as a C-order .npy file (atomically). */
export async function writeNpyMatrix(path: string, m: Matrix<Float64Array>): Promise<void> {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = Buffer.alloc(total);
  MAGIC.copy(header, 0);
  header[6] = 1;
  header.writeUInt16LE(total - 10, 8);
  header.write(dict.padEnd(total - 11, ' ') + '\n', 10, 'latin1');
  await writeFileAtomic(path, [header, new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength)]);
}
