/**
 * Reading one kernel block out of a stored tile (tiles/<i>-<j>.arrow), its bytes checked against the record's
 * sha256 first: what the tile-store operator streams, one tile at a time. `verified` remembers the (size, mtime)
 * of files that passed, so that a later pass may trust them without hashing again (a rewrite changes the mtime).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Float32, Int32, List, Vector } from 'apache-arrow';
import type { KernelTileColumns } from '../arrow/kinds/kernel-tiles';
import { resultsFromBytes } from '../arrow/read';
import { JobIncompleteError } from './errors';

/** Where a tile is and what its record says. */
export interface StoredTile {
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  /** Off-diagonal tile of a symmetric kernel: it stands for block (i, j) and its transpose (j, i). */
  mirrored: boolean;
}

/** One block of the kernel's 2-D view: rows [rowStart, rowEnd) x cols [colStart, colEnd), row-major float32. */
export interface ViewBlock {
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  values: Float32Array;
}

/** When to hash a tile: on every read, or once per process while its size and mtime stay as they were. */
export type TileVerify = 'every-pass' | 'once';

/** Files that passed their checksum in this process: path -> "size:mtimeMs". */
const verified = new Map<string, string>();

/** Block of kernel number `kernel` (0 = the NTK) of tile `t`, after the checksum (JobIncompleteError on a mismatch). */
export async function readViewBlock(t: StoredTile, kernel: number, verify: TileVerify, jobDir: string): Promise<ViewBlock> {
  const before = await stat(t.path).catch(() => undefined);
  if (!before) throw new JobIncompleteError(`${t.path}: tile ${t.name} vanished during the pass: run \`ntk-lab tiles run ${jobDir}\` to recompute it`);
  const stamp = `${before.size}:${before.mtimeMs}`;
  const bytes = await readFile(t.path);
  if (bytes.length !== t.bytes) {
    throw new JobIncompleteError(`${t.path}: tile ${t.name} is ${bytes.length} bytes, its record says ${t.bytes} (truncated or replaced): run \`ntk-lab tiles run ${jobDir}\` to recompute it`);
  }
  if (verify === 'every-pass' || verified.get(t.path) !== stamp) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== t.sha256) {
      verified.delete(t.path);
      throw new JobIncompleteError(
        `${t.path}: checksum mismatch in tile ${t.name} (sha256 ${sha256.slice(0, 12)}..., the record says ${t.sha256.slice(0, 12)}...): ` +
          `the file changed on disk; run \`ntk-lab tiles run ${jobDir}\` to recompute it`,
      );
    }
    verified.set(t.path, stamp);
  }
  const { table } = resultsFromBytes(bytes, t.path, 'kernel-tiles');
  for (const batch of table.batches) {
    const kernels = batch.getChild('kernel') as unknown as Vector<Int32>;
    for (let r = 0; r < batch.numRows; r++) {
      if (kernels.get(r) !== kernel) continue;
      const int = (name: keyof KernelTileColumns): number => (batch.getChild(name) as unknown as Vector<Int32>).get(r) as number;
      const values = ((batch.getChild('values') as unknown as Vector<List<Float32>>).get(r) as Vector<Float32>).toArray() as Float32Array;
      return { rowStart: int('row_start'), rowEnd: int('row_end'), colStart: int('col_start'), colEnd: int('col_end'), values };
    }
  }
  throw new JobIncompleteError(`${t.path}: tile ${t.name} holds no kernel ${kernel}`);
}
