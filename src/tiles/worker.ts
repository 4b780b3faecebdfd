/**
 * The worker: computes tile K of a job and writes it, idempotently. A tile already done (file and record agree,
 * sha256 checked) is left alone; a missing, partial or corrupt one is (re)computed from the job's model and inputs
 * with the engine (`ntk` / `ntkLayerwise` on the tile's row and column blocks), written atomically, then recorded.
 * Whatever kills a worker, a tile is either done (both files, matching) or will be recomputed.
 *
 * The index comes from --index, or from the cluster: JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
 * SLURM_ARRAY_TASK_ID (Slurm job array).
 */
import { unlink } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { linalgInfo } from '../linalg';
import type { InputBatch } from '../ntk/input';
import { ntk, ntkLayerwise } from '../ntk/ntk';
import { VERSION } from '../version';
import { hostTag, removeTemporariesSync, writeFileAtomic } from './atomic';
import { encodeKernelTiles, tileBatches } from './encode';
import { TileIndexError } from './errors';
import type { TileRef } from './grid';
import { sha256Chunks } from './hash';
import { inputBlock } from './inputs-io';
import type { TileJob } from './job';
import { RECORD_FORMAT, TileRecord } from './tile-record';

/** Options of runTile. */
export interface RunTileOptions {
  /** Recorded as who ran the tile: 'local', 'kubernetes', 'slurm', 'index', 'api' (default). */
  executor?: string;
  /** Progress lines ('recomputing 1-2: checksum mismatch'). */
  log?: (line: string) => void;
}

/** What runTile did. */
export interface TileOutcome {
  tile: TileRef;
  /** False when the tile was already done. */
  computed: boolean;
  /** Why it was computed: 'missing', or the partial/corrupt reason. */
  reason?: string;
  record: TileRecord;
}

/** Computes tile `index` of `job` unless it is done (see the module comment). */
export async function runTile(job: TileJob, index: number, options: RunTileOptions = {}): Promise<TileOutcome> {
  const t = job.tile(index);
  const before = await job.state(t, 'hash');
  if (before.state === 'done') return { tile: t, computed: false, record: before.record };
  const reason = before.state === 'missing' ? 'missing' : before.reason;
  if (before.state !== 'missing') {
    options.log?.(`tile ${t.index} (${t.name}): recomputing: ${reason}`);
    // The old record goes first: from here until the new one is written the tile reads as missing or partial.
    await unlink(job.recordPath(t)).catch(() => undefined);
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const blocks = await computeBlocks(job, t);
  const computeMs = performance.now() - t0;
  const m = job.manifest;
  const descriptor = {
    label: 'ntk',
    kind: 'ntk' as const,
    layout: m.kernel.layout,
    outputs: m.kernel.outputs,
    shape: m.kernel.shape,
    symmetric: m.kernel.symmetric,
    backend: blocks.backend,
    wallTimeMs: computeMs,
    normalization: m.kernel.normalization,
  };
  const chunks = await encodeKernelTiles(
    tileBatches({ rows: t.rows, cols: t.cols, layout: m.kernel.layout, outputs: m.kernel.outputs, kernels: blocks.kernels }, descriptor),
    { params: { job: m.id, tile: t.name, index: t.index, rows: [t.rows.start, t.rows.end], cols: [t.cols.start, t.cols.end] }, backend: blocks.backend, runId: m.id, createdAt: startedAt },
  );
  const bytes = await writeFileAtomic(job.arrowPath(t), chunks, { faultTile: t.name });
  const record: TileRecord = {
    format: RECORD_FORMAT,
    job: m.id,
    tile: t.name,
    index: t.index,
    rows: [t.rows.start, t.rows.end],
    cols: [t.cols.start, t.cols.end],
    file: `${t.name}.arrow`,
    bytes,
    sha256: sha256Chunks(chunks),
    computeMs,
    writeMs: performance.now() - t0 - computeMs,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    host: hostTag(),
    pid: process.pid,
    executor: options.executor ?? 'api',
    backend: blocks.backend,
    blasThreads: linalgInfo().threads,
    ntkLab: VERSION,
  };
  await writeFileAtomic(job.recordPath(t), [Buffer.from(JSON.stringify(record, null, 1) + '\n')]);
  return { tile: t, computed: true, reason, record };
}

/** The NTK block (and components) of tile t: the row block against the column block; a diagonal block of a symmetric kernel with itself. */
async function computeBlocks(job: TileJob, t: TileRef): Promise<{ kernels: { label: string; values: Float32Array }[]; backend: string }> {
  const { model } = await job.model();
  const { x1, x2 } = await job.inputs();
  const k = job.manifest.kernel;
  const rows = inputBlock(x1, t.rows);
  const cols = k.symmetric && t.i === t.j ? undefined : inputBlock(x2 ?? x1, t.cols);
  const opts = { outputs: k.layout, method: k.method };
  try {
    if (k.components) {
      const r = await ntkLayerwise(model, rows, cols, opts);
      return { kernels: [{ label: 'ntk', values: r.ntk.values }, ...r.components.map((c) => ({ label: c.label, values: c.values }))], backend: r.ntk.backend };
    }
    const K = await ntk(model, rows, cols, opts);
    return { kernels: [{ label: 'ntk', values: K.values }], backend: K.backend };
  } finally {
    disposeInput(rows);
    if (cols) disposeInput(cols);
  }
}

function disposeInput(x: InputBatch): void {
  if (x instanceof tf.Tensor) x.dispose();
}

/** Where a worker without --index finds its tile: Kubernetes' or Slurm's environment variable. */
export function indexFromEnvironment(env: NodeJS.ProcessEnv = process.env): { index: number; executor: 'kubernetes' | 'slurm' } {
  const k8s = env.JOB_COMPLETION_INDEX;
  const slurm = env.SLURM_ARRAY_TASK_ID;
  const parse = (name: string, v: string): number => {
    if (!/^\d+$/.test(v.trim())) throw new TileIndexError(`${name} must be a non-negative integer, got '${v}'`);
    return Number(v.trim());
  };
  if (k8s !== undefined && k8s !== '') {
    const index = parse('JOB_COMPLETION_INDEX', k8s);
    if (slurm !== undefined && slurm !== '' && parse('SLURM_ARRAY_TASK_ID', slurm) !== index) {
      throw new TileIndexError(`JOB_COMPLETION_INDEX = ${k8s} and SLURM_ARRAY_TASK_ID = ${slurm} disagree: set one (or pass --index)`);
    }
    return { index, executor: 'kubernetes' };
  }
  if (slurm !== undefined && slurm !== '') return { index: parse('SLURM_ARRAY_TASK_ID', slurm), executor: 'slurm' };
  throw new TileIndexError('no tile index: pass --index K (or --workers P to run them all here), or run under an Indexed Job (JOB_COMPLETION_INDEX) or a Slurm array (SLURM_ARRAY_TASK_ID)');
}

/**
 * SIGINT/SIGTERM end the process at once (exit 130/143) after removing its temporary file: a tile in progress is
 * abandoned (and recomputed by the next run), a tile whose record was written is done. Nothing finished is lost.
 */
export function exitOnInterrupt(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(signal, () => {
      removeTemporariesSync();
      process.exit(code);
    });
  }
}
