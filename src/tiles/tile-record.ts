/**
 * A finished tile is two files in tiles/: `<i>-<j>.arrow` (the kernel-tiles Arrow file) and `<i>-<j>.json`, its
 * record, written after the Arrow file is in place, holding its size and sha256 and how long it took. A tile is
 * done exactly when both exist and the file matches the record; any other state is recomputed by a worker:
 *
 *   missing   neither file
 *   partial   an Arrow file without a record (the worker stopped between the two writes)
 *   corrupt   a record whose file is missing, shorter or longer (truncated), or has another sha256 (bit rot)
 */
import { readFile, stat } from 'node:fs/promises';
import { sha256File } from './hash';
import type { TileRef } from './grid';

export const RECORD_FORMAT = 'ntk-lab/tile-record';

/** `<i>-<j>.json`. */
export interface TileRecord {
  format: typeof RECORD_FORMAT;
  /** The job's id (a tile copied from another job is not done). */
  job: string;
  tile: string;
  index: number;
  rows: [number, number];
  cols: [number, number];
  /** The Arrow file's name, size (bytes) and sha256 (hex). */
  file: string;
  bytes: number;
  sha256: string;
  /** Milliseconds computing the block (engine) and writing the file (encode, write, fsync, rename). */
  computeMs: number;
  writeMs: number;
  /** ISO 8601: when the worker started computing and when the record was written. */
  startedAt: string;
  finishedAt: string;
  host: string;
  pid: number;
  /** What started the worker: 'local', 'kubernetes', 'slurm', 'index' (an explicit --index) or 'api'. */
  executor: string;
  /** What computed the block (the Kernel's backend: BLAS, method, tfjs backend), with how many BLAS threads. */
  backend: string;
  blasThreads: number;
  ntkLab: string;
}

/** How a tile stands; `reason` says why a tile is not done. */
export type TileState =
  | { state: 'done'; record: TileRecord }
  | { state: 'missing' }
  | { state: 'partial'; reason: string }
  | { state: 'corrupt'; reason: string };

/** How thoroughly to check a done tile: 'hash' (read it all, sha256) or 'size' (stat only). */
export type VerifyLevel = 'hash' | 'size';

/** Reads a record; undefined when there is none, a string saying what is wrong when it is unreadable. */
export async function readRecord(path: string): Promise<TileRecord | undefined | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `record unreadable (${(e as Error).message})`;
  }
  try {
    const r = JSON.parse(text) as TileRecord;
    if (r.format !== RECORD_FORMAT || typeof r.sha256 !== 'string' || !Number.isSafeInteger(r.bytes)) return 'record malformed';
    return r;
  } catch {
    return 'record is not JSON (truncated?)';
  }
}

/** The state of tile `t` whose files are `arrowPath` and `recordPath`, in job `jobId`. */
export async function tileState(t: TileRef, jobId: string, arrowPath: string, recordPath: string, verify: VerifyLevel): Promise<TileState> {
  const record = await readRecord(recordPath);
  const size = await stat(arrowPath).then((s) => s.size, () => undefined);
  if (record === undefined) return size === undefined ? { state: 'missing' } : { state: 'partial', reason: 'Arrow file without a record (the worker stopped before recording it)' };
  if (typeof record === 'string') return { state: 'corrupt', reason: record };
  if (record.job !== jobId || record.tile !== t.name || record.index !== t.index) return { state: 'corrupt', reason: `record belongs to job ${record.job} tile ${record.tile}` };
  if (size === undefined) return { state: 'corrupt', reason: 'Arrow file missing' };
  if (size !== record.bytes) return { state: 'corrupt', reason: size < record.bytes ? `truncated: ${size} of ${record.bytes} bytes` : `${size} bytes, the record says ${record.bytes}` };
  if (verify === 'hash') {
    const { sha256 } = await sha256File(arrowPath);
    if (sha256 !== record.sha256) return { state: 'corrupt', reason: `checksum mismatch: sha256 ${sha256.slice(0, 12)}..., the record says ${record.sha256.slice(0, 12)}...` };
  }
  return { state: 'done', record };
}
