/**
 * Atomic file writes: the bytes go to a temporary file in the destination's folder (same file system, so the
 * rename cannot copy), which is fsynced, renamed over the destination, and the folder fsynced. A reader sees the
 * old file or the whole new one, never part of it, even across a crash or a power cut; a failed write leaves no
 * temporary file behind and the destination as it was.
 *
 * Temporaries are named `.<name>.tmp-<host>-<pid>-<random>`, so that a job folder shared by many machines shows
 * who left one (a killed worker) and the local executor can remove those of dead processes on its host.
 */
import { closeSync, unlinkSync } from 'node:fs';
import { FileHandle, open, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TileWriteError } from './errors';
import { fireFault } from './faults';

/** Writes at most this many buffers per writev call (IOV_MAX is 1024 on Linux). */
const MAX_IOV = 512;

/** Temporaries this process is writing now: removed by `removeTemporariesSync` when it is interrupted. */
const pending = new Map<string, number>();

/** This host's name as it appears in temporary names (only [A-Za-z0-9._-]). */
export function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'host';
}

/** The temporary-file pattern: `.<name>.tmp-<host>-<pid>-<hex>`; groups: name, host, pid. */
export const TEMPORARY = /^\.(.+)\.tmp-([A-Za-z0-9._-]+)-(\d+)-[0-9a-f]+$/;

/** Options of writeFileAtomic. */
export interface AtomicWriteOptions {
  /** Tile name for fault injection (NTK_LAB_TILES_FAULT), when the file is a tile's. */
  faultTile?: string;
}

/** Writes `chunks` to `path` atomically (see the module comment); failures are TileWriteErrors naming the code. */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[], options: AtomicWriteOptions = {}): Promise<number> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${hostTag()}-${process.pid}-${randomBytes(4).toString('hex')}`);
  let fh: FileHandle | undefined;
  let written = 0;
  try {
    fh = await open(tmp, 'wx');
    pending.set(tmp, fh.fd);
    const total = chunks.reduce((s, c) => s + c.byteLength, 0);
    let faulted = options.faultTile === undefined;
    for (let i = 0; i < chunks.length; i += MAX_IOV) {
      const group = chunks.slice(i, i + MAX_IOV);
      const want = group.reduce((s, c) => s + c.byteLength, 0);
      const { bytesWritten } = await fh.writev(group);
      if (bytesWritten !== want) throw Object.assign(new Error(`short write: ${bytesWritten} of ${want} bytes`), { code: 'EIO' });
      written += bytesWritten;
      if (!faulted && written * 2 >= total) {
        faulted = true;
        await fireFault(options.faultTile);
      }
    }
    if (!faulted) await fireFault(options.faultTile);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
    pending.delete(tmp);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    pending.delete(tmp);
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'the disk is full' : err.code === 'EROFS' ? 'the file system is read-only' : 'the write failed';
    const detail = err.code && err.message.startsWith(err.code) ? err.message : `${err.code ?? err.name}: ${err.message}`;
    throw new TileWriteError(`cannot write ${path}: ${why} (${detail}); the temporary file was removed and nothing else was touched`, err.code);
  }
  await syncFolder(dirname(path));
  return written;
}

/** fsync of a folder, so that a rename in it survives a crash; file systems that cannot (some network ones) are skipped. */
async function syncFolder(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw e;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Removes this process's temporaries synchronously (from a signal handler, just before exiting). */
export function removeTemporariesSync(): void {
  for (const [tmp, fd] of pending) {
    try {
      closeSync(fd);
    } catch {
      // Already closed by the write path.
    }
    try {
      unlinkSync(tmp);
    } catch {
      // Renamed or removed meanwhile.
    }
  }
  pending.clear();
}
