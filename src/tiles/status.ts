/**
 * How far a job is: tiles done, missing and corrupt (partial files and checksum failures included), and the
 * throughput and ETA that the finished tiles' records imply. Rates are in kernel entries (example pairs) per
 * second, so that the smaller edge tiles do not skew them; the observed concurrency is the time the tiles were
 * being computed divided by the union of their [start, finish] intervals (gaps between runs do not count).
 */
import type { TileRef } from './grid';
import { tilePairs } from './grid';
import type { TileJob, Temporary } from './job';
import type { VerifyLevel } from './tile-record';

/** A tile that is neither done nor simply missing. */
export interface TileProblem {
  index: number;
  name: string;
  state: 'partial' | 'corrupt';
  reason: string;
}

/** What jobStatus found. */
export interface JobStatus {
  tiles: number;
  done: number;
  missing: number;
  /** Partial and corrupt tiles (each listed in `problems`); workers recompute them. */
  corrupt: number;
  problems: TileProblem[];
  /** Kernel entries (example pairs of the upper half for a symmetric kernel) done and in all. */
  pairsDone: number;
  pairsTotal: number;
  /** Sum and mean of the done tiles' compute times, milliseconds. */
  computeMs: number;
  meanTileMs: number | undefined;
  /** Busy time over the union of the tiles' intervals: how many workers ran at once, on average. */
  concurrency: number | undefined;
  /** Entries per second of one worker, and of the run as observed (x concurrency). */
  pairsPerSecondPerWorker: number | undefined;
  pairsPerSecond: number | undefined;
  /** Seconds until the rest is done at the observed rate (or with `workers`); 0 when done, undefined before any tile. */
  etaSeconds: number | undefined;
  /** Temporary files in tiles/ (writes in progress, or left by killed workers). */
  temporaries: Temporary[];
}

/** Options of jobStatus. */
export interface JobStatusOptions {
  /** 'hash' (default: read every tile, sha256) or 'size' (stat only). */
  verify?: VerifyLevel;
  /** Estimate the ETA for this many workers instead of the observed concurrency. */
  workers?: number;
}

/** The status of every tile of `job` and the rates its records imply. */
export async function jobStatus(job: TileJob, options: JobStatusOptions = {}): Promise<JobStatus> {
  const verify = options.verify ?? 'hash';
  let done = 0;
  let missing = 0;
  let pairsDone = 0;
  let pairsTotal = 0;
  let computeMs = 0;
  const problems: TileProblem[] = [];
  const intervals: [number, number][] = [];
  const tiles: TileRef[] = job.allTiles();
  for (const t of tiles) {
    pairsTotal += tilePairs(t);
    const s = await job.state(t, verify);
    if (s.state === 'done') {
      done++;
      pairsDone += tilePairs(t);
      computeMs += s.record.computeMs;
      const a = Date.parse(s.record.startedAt);
      const b = Date.parse(s.record.finishedAt);
      if (Number.isFinite(a) && Number.isFinite(b) && b >= a) intervals.push([a, b]);
    } else if (s.state === 'missing') missing++;
    else problems.push({ index: t.index, name: t.name, state: s.state, reason: s.reason });
  }
  const perWorker = computeMs > 0 ? pairsDone / (computeMs / 1000) : undefined;
  const busy = intervals.reduce((sum, [a, b]) => sum + (b - a), 0);
  const span = unionLength(intervals);
  const concurrency = span > 0 ? busy / span : undefined;
  const rate = perWorker === undefined ? undefined : perWorker * (options.workers ?? concurrency ?? 1);
  const left = pairsTotal - pairsDone;
  return {
    tiles: tiles.length,
    done,
    missing,
    corrupt: problems.length,
    problems,
    pairsDone,
    pairsTotal,
    computeMs,
    meanTileMs: done > 0 ? computeMs / done : undefined,
    concurrency,
    pairsPerSecondPerWorker: perWorker,
    pairsPerSecond: rate,
    etaSeconds: left === 0 ? 0 : rate === undefined ? undefined : left / rate,
    temporaries: await job.temporaries(),
  };
}

/** Total length covered by a set of intervals (overlaps counted once). */
function unionLength(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((x, y) => x[0] - y[0]);
  let total = 0;
  let end = -Infinity;
  let start = -Infinity;
  for (const [a, b] of sorted) {
    if (a > end) {
      if (end > start) total += end - start;
      start = a;
      end = b;
    } else end = Math.max(end, b);
  }
  if (end > start) total += end - start;
  return total;
}
