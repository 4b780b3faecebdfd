/**
 * The local executor: P worker processes on this machine compute every tile of a job that is not done. Each
 * worker is a forked Node process (worker-process.ts) with its share of the BLAS threads (OPENBLAS_NUM_THREADS =
 * floor(cores / P) unless given), fed one tile at a time, so that fast and slow workers balance. A worker verifies
 * a tile (sha256 against its record) before skipping it, so a resumed run also repairs corrupt tiles.
 *
 * Stopping: aborting `signal` (the CLI does on SIGINT/SIGTERM) sends SIGINT to the workers, which remove their
 * temporary files and exit; the run resolves with `interrupted: true`. A worker that dies otherwise (SIGKILL, out
 * of memory) has its tile requeued, up to `retries` times per tile, on a fresh worker. Errors that no retry can
 * mend (changed inputs, another version, a full disk) stop the dispatch; tiles in flight finish.
 * Rerunning the same command resumes: only tiles that are not done are computed.
 */
import { ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InvalidOptionError } from '../errors';
import { hostTag, TEMPORARY } from './atomic';
import { TileJob } from './job';
import type { FromWorker, ToWorker, WireError } from './worker-process';

/** Options of runLocal. */
export interface LocalRunOptions {
  /** Worker processes (default 1). */
  workers?: number;
  /** BLAS threads per worker (default floor(cores / workers), at least 1). */
  threads?: number;
  /** How often a tile whose worker died is tried again (default 1). */
  retries?: number;
  /** Aborting stops the run cleanly (see the module comment). */
  signal?: AbortSignal;
  /** Progress: one event per step. */
  onEvent?: (e: LocalRunEvent) => void;
  /** Environment of the workers (default process.env), before the BLAS thread variables. */
  env?: NodeJS.ProcessEnv;
}

/** What the executor reports while it runs. */
export type LocalRunEvent =
  | { type: 'start'; tiles: number; workers: number; threads: number; removedTemporaries: number }
  | { type: 'started'; index: number; name: string; worker: number; pid: number }
  | { type: 'done'; index: number; name: string; worker: number; computed: boolean; reason?: string; computeMs: number; finished: number }
  | { type: 'failed'; index: number; name: string; worker: number; error: WireError }
  | { type: 'worker-died'; worker: number; pid: number; index?: number; name?: string; how: string; requeued: boolean }
  | { type: 'stopping'; why: string };

/** How a run ended. */
export interface LocalRunSummary {
  tiles: number;
  /** Tiles computed by this run, and tiles found done. */
  computed: number;
  skipped: number;
  failed: { index: number; name: string; error: WireError }[];
  /** Tiles not attempted (stopped or halted before they were dispatched). */
  notRun: number;
  interrupted: boolean;
  wallMs: number;
}

/** Errors after which no other tile can succeed either: dispatching stops. */
const HALTING = new Set(['JobFormatError', 'JobIntegrityError', 'TileWriteError']);

interface Slot {
  id: number;
  child: ChildProcess;
  index: number | undefined;
  exited: boolean;
}

/** Runs every tile of the job in `dir` that is not done on `workers` local processes; see the module comment. */
export async function runLocal(dir: string, options: LocalRunOptions = {}): Promise<LocalRunSummary> {
  const workers = options.workers ?? 1;
  const retries = options.retries ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new InvalidOptionError(`workers must be a positive integer, got ${workers}`);
  if (!Number.isInteger(retries) || retries < 0) throw new InvalidOptionError(`retries must be a non-negative integer, got ${retries}`);
  const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / workers));
  if (!Number.isInteger(threads) || threads < 1) throw new InvalidOptionError(`threads must be a positive integer, got ${threads}`);
  const start = performance.now();
  // Fails here, before any process starts, on another version, a foreign folder or changed inputs.
  const job = await TileJob.open(dir, { mode: 'run' });
  const removed = await removeDeadTemporaries(job);
  const emit = options.onEvent ?? (() => undefined);
  emit({ type: 'start', tiles: job.tiles, workers, threads, removedTemporaries: removed });

  const queue = job.allTiles().map((t) => t.index);
  const attempts = new Map<number, number>();
  const summary: LocalRunSummary = { tiles: job.tiles, computed: 0, skipped: 0, failed: [], notRun: 0, interrupted: false, wallMs: 0 };
  const slots: Slot[] = [];
  let nextId = 1;
  let stopping: string | undefined;
  let halted = false;
  let finished = 0;
  const env = { ...(options.env ?? process.env), OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };

  return new Promise<LocalRunSummary>((resolveRun) => {
    const settle = (): void => {
      if (slots.some((s) => !s.exited)) return;
      options.signal?.removeEventListener('abort', onAbort);
      summary.notRun = queue.length;
      summary.wallMs = performance.now() - start;
      void job.dispose().then(() => resolveRun(summary));
    };
    const stop = (why: string): void => {
      if (stopping) return;
      stopping = why;
      summary.interrupted = true;
      emit({ type: 'stopping', why });
      for (const s of slots) if (!s.exited) s.child.kill('SIGINT');
    };
    const onAbort = (): void => stop('interrupted');
    const dispatch = (s: Slot): void => {
      const index = stopping || halted ? undefined : queue.shift();
      if (index === undefined) {
        s.index = undefined;
        s.child.send({ type: 'exit' } satisfies ToWorker);
        return;
      }
      s.index = index;
      s.child.send({ type: 'tile', index } satisfies ToWorker);
    };
    const spawn = (): void => {
      const id = nextId++;
      const child = fork(join(__dirname, 'worker-process.js'), [job.dir], { env: { ...env, NTK_LAB_TILES_WORKER: String(id) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
      const slot: Slot = { id, child, index: undefined, exited: false };
      slots.push(slot);
      child.on('message', (m: FromWorker) => {
        if (m.type === 'ready') return dispatch(slot);
        if (m.type === 'fatal') {
          halted = true;
          summary.failed.push({ index: -1, name: `worker ${id}`, error: m.error });
          return;
        }
        if (m.type === 'started') {
          const t = job.tile(m.index);
          return emit({ type: 'started', index: m.index, name: t.name, worker: id, pid: child.pid ?? -1 });
        }
        const t = job.tile(m.index);
        if (m.type === 'done') {
          if (m.computed) summary.computed++;
          else summary.skipped++;
          emit({ type: 'done', index: m.index, name: t.name, worker: id, computed: m.computed, reason: m.reason, computeMs: m.computeMs, finished: ++finished });
        } else {
          summary.failed.push({ index: m.index, name: t.name, error: m.error });
          if (HALTING.has(m.error.name)) halted = true;
          emit({ type: 'failed', index: m.index, name: t.name, worker: id, error: m.error });
        }
        dispatch(slot);
      });
      child.on('exit', (code, signal) => {
        slot.exited = true;
        const lost = slot.index;
        slot.index = undefined;
        const clean = code === 0 && lost === undefined;
        // Exit codes 130/143 and SIGINT/SIGTERM: the worker was interrupted (Ctrl-C reaches it before or after us).
        const interrupted = code === 130 || code === 143 || signal === 'SIGINT' || signal === 'SIGTERM';
        if (!clean && interrupted) stop('a worker was interrupted');
        if (!clean && !interrupted) {
          // A killed worker cannot remove its temporary file: its executor can, knowing the pid.
          removeTemporariesOf(job, child.pid);
          const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
          const tries = lost === undefined ? 0 : (attempts.get(lost) ?? 0) + 1;
          if (lost !== undefined) attempts.set(lost, tries);
          const requeue = lost !== undefined && tries <= retries && !stopping && !halted;
          const t = lost === undefined ? undefined : job.tile(lost);
          emit({ type: 'worker-died', worker: slot.id, pid: child.pid ?? -1, index: lost, name: t?.name, how, requeued: requeue });
          if (lost !== undefined && requeue) queue.unshift(lost);
          else if (t) summary.failed.push({ index: t.index, name: t.name, error: { name: 'WorkerDied', message: `worker ${slot.id} (pid ${child.pid}) ${how} while computing it` } });
          if (!stopping && !halted && queue.length > 0) spawn();
        } else if (lost !== undefined) {
          queue.unshift(lost);
        }
        settle();
      });
    };
    if (options.signal?.aborted) {
      summary.interrupted = true;
      summary.notRun = queue.length;
      return void job.dispose().then(() => resolveRun(summary));
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    for (let w = 0; w < Math.min(workers, queue.length); w++) spawn();
    settle();
  });
}

/** Removes temporaries in tiles/ left by dead processes of this host (others' belong to workers elsewhere); returns how many. */
async function removeDeadTemporaries(job: TileJob): Promise<number> {
  let removed = 0;
  for (const t of await job.temporaries()) {
    if (t.host !== hostTag() || isAlive(t.pid)) continue;
    await unlink(join(job.tilesDir, t.file)).then(() => removed++, () => undefined);
  }
  return removed;
}

function removeTemporariesOf(job: TileJob, pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    for (const file of readdirSync(job.tilesDir)) {
      const m = TEMPORARY.exec(file);
      if (m && m[2] === hostTag() && Number(m[3]) === pid) unlinkSync(join(job.tilesDir, file));
    }
  } catch {
    // The next run's start removes what is left.
  }
}

/** Whether process `pid` runs; a zombie (killed, not yet reaped: where no init reaps orphans, as in containers) does not. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ...": the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
