/**
 * Fault injection for the failure tests (and for rehearsing a cluster's failure handling): the environment
 * variable NTK_LAB_TILES_FAULT holds comma-separated `<fault>@<tile>` items, e.g. `enospc@1-2,stall@0-3`.
 * Each fires while the tile's Arrow file is being written, after half of its bytes reached the temporary file:
 *
 * - `enospc`: the write fails as a full disk does (code ENOSPC);
 * - `stall`:  the worker stops there until it is killed or interrupted (a tile that hangs mid-write);
 * - `crash`:  the worker SIGKILLs itself (a node lost mid-tile).
 *
 * Nothing else reads it; unset (the normal case) every check is one Map lookup.
 */
import { InvalidOptionError } from '../errors';

/** What a fault does, see the module comment. */
export type FaultKind = 'enospc' | 'stall' | 'crash';

const KINDS: readonly FaultKind[] = ['enospc', 'stall', 'crash'];

/** Parses NTK_LAB_TILES_FAULT (or `spec`): tile name -> fault. */
export function parseFaults(spec: string | undefined = process.env.NTK_LAB_TILES_FAULT): Map<string, FaultKind> {
  const out = new Map<string, FaultKind>();
  for (const item of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+)@(\d+-\d+)$/.exec(item);
    if (!m || !(KINDS as readonly string[]).includes(m[1])) {
      throw new InvalidOptionError(`NTK_LAB_TILES_FAULT: '${item}' is not <${KINDS.join('|')}>@<i>-<j>`);
    }
    out.set(m[2], m[1] as FaultKind);
  }
  return out;
}

/** Runs the fault planned for `tile`, if any (called half-way through writing its file). */
export async function fireFault(tile: string | undefined): Promise<void> {
  if (tile === undefined) return;
  const kind = parseFaults().get(tile);
  if (kind === undefined) return;
  if (kind === 'enospc') {
    throw Object.assign(new Error(`ENOSPC: no space left on device, write (injected by NTK_LAB_TILES_FAULT for tile ${tile})`), { code: 'ENOSPC' });
  }
  if (kind === 'crash') process.kill(process.pid, 'SIGKILL');
  // stall: a timer keeps the event loop (and so the signal handlers) alive while nothing progresses.
  await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
}
