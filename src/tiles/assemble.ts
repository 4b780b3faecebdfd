/**
 * Assembling a finished job into one file, tile by tile (memory: one tile at a time, whatever the kernel's size):
 *
 * - `.arrow` / `.arrows`: a kernel-tiles result holding the whole kernel (and its components): each tile, and for a
 *   symmetric kernel the transpose of each off-diagonal tile; `readKernels` (or pyarrow) reads it back.
 * - `.npy`: one kernel (default the NTK) as a float32 row-major NumPy array of the Kernel's shape, memory-mappable
 *   (`np.load(p, mmap_mode='r')`), with a JSON sidecar `<file>.json` describing it; `readKernelBlock` reads a
 *   sub-block of it without loading the rest.
 *
 * Every tile's sha256 is checked against its record while it is read; the output is written to a temporary file
 * and renamed into place, so a failed assembly leaves no half file.
 */
import { createHash } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import type { Float32, Int32, List, Utf8, Vector } from 'apache-arrow';
import type { KernelDescriptor, KernelTileColumns } from '../arrow/kinds/kernel-tiles';
import { kernelTileBatch } from '../arrow/kinds/kernel-tiles';
import { resultsFromBytes } from '../arrow/read';
import { resultSchema } from '../arrow/schemas';
import { ResultStream } from '../arrow/stream';
import { InvalidOptionError } from '../errors';
import type { OutputLayout } from '../ntk/kernel';
import { VERSION } from '../version';
import { writeFileAtomic } from './atomic';
import { viewRange } from './encode';
import { JobIncompleteError } from './errors';
import type { TileRef } from './grid';
import type { TileJob } from './job';
import { npyHeader } from './npy';
import type { TileRecord } from './tile-record';

/** Options of assembleJob. */
export interface AssembleOptions {
  /** For .npy: which kernel, by label ('ntk', default, or a component's label). */
  kernel?: string;
  /** Called after each tile with (tiles done, tiles). */
  onProgress?: (done: number, total: number) => void;
}

/** What assembleJob wrote. */
export interface AssembleResult {
  path: string;
  format: 'arrow' | 'npy';
  bytes: number;
  /** Labels of the kernels in the file. */
  kernels: string[];
  /** The .npy file's JSON sidecar. */
  sidecar?: string;
}

/** One block of a tile file: kernel number, 2-D view range, values. */
interface Block {
  kernel: number;
  rowStart: number;
  rowEnd: number;
  colStart: number;
  colEnd: number;
  values: Float32Array;
}

/** Writes the whole kernel of a finished `job` to `out` (.arrow, .arrows or .npy); JobIncompleteError when a tile is not done. */
export async function assembleJob(job: TileJob, out: string, options: AssembleOptions = {}): Promise<AssembleResult> {
  const format = out.endsWith('.npy') ? 'npy' : out.endsWith('.arrow') || out.endsWith('.arrows') ? 'arrow' : undefined;
  if (!format) throw new InvalidOptionError(`--out '${out}': use .arrow, .arrows (kernel-tiles result) or .npy (float32 matrix)`);
  const labels = ['ntk', ...job.manifest.kernel.labels];
  const records = await finishedRecords(job);
  if (format === 'npy') {
    const label = options.kernel ?? 'ntk';
    const index = labels.indexOf(label);
    if (index < 0) throw new InvalidOptionError(`kernel '${label}' is not in this job; it has ${labels.join(', ')}`);
    return assembleNpy(job, out, index, label, records, options);
  }
  return assembleArrow(job, out, labels, records, options);
}

/** Every tile's record, or JobIncompleteError naming what is missing (sizes checked here, hashes while reading). */
async function finishedRecords(job: TileJob): Promise<TileRecord[]> {
  const records: TileRecord[] = [];
  const missing: string[] = [];
  const broken: string[] = [];
  for (const t of job.allTiles()) {
    const s = await job.state(t, 'size');
    if (s.state === 'done') records.push(s.record);
    else if (s.state === 'missing') missing.push(t.name);
    else broken.push(`${t.name} (${s.reason})`);
  }
  if (missing.length + broken.length > 0) {
    const list = (xs: string[]): string => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ', ...' : '');
    throw new JobIncompleteError(
      `${job.dir}: ${missing.length + broken.length} of ${job.tiles} tiles are not done` +
        `${missing.length ? `; missing ${missing.length}: ${list(missing)}` : ''}${broken.length ? `; corrupt ${broken.length}: ${list(broken)}` : ''}` +
        `: run \`ntk-lab tiles run ${job.dir}\` first (it computes only these)`,
    );
  }
  return records;
}

/** The blocks of tile `t`, after checking its bytes against the record's sha256. */
async function readTile(job: TileJob, t: TileRef, record: TileRecord): Promise<Block[]> {
  const path = job.arrowPath(t);
  const bytes = await readFile(path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== record.sha256) {
    throw new JobIncompleteError(`${path}: checksum mismatch (sha256 ${sha256.slice(0, 12)}..., the record says ${record.sha256.slice(0, 12)}...): run \`ntk-lab tiles run ${job.dir}\` to recompute it`);
  }
  const { table } = resultsFromBytes(bytes, path, 'kernel-tiles');
  const blocks: Block[] = [];
  for (const batch of table.batches) {
    const col = <T extends Int32 | Utf8 | List<Float32>>(name: keyof KernelTileColumns): Vector<T> => batch.getChild(name) as unknown as Vector<T>;
    for (let r = 0; r < batch.numRows; r++) {
      const int = (name: keyof KernelTileColumns): number => col<Int32>(name).get(r) as number;
      const values = (col<List<Float32>>('values').get(r) as Vector<Float32>).toArray() as Float32Array;
      blocks.push({ kernel: int('kernel'), rowStart: int('row_start'), rowEnd: int('row_end'), colStart: int('col_start'), colEnd: int('col_end'), values });
    }
  }
  return blocks;
}

/** The transpose of an off-diagonal block of a symmetric kernel, as the block below the diagonal. */
function transposed(b: Block, t: TileRef, layout: OutputLayout, k: number): Block {
  const nb1 = t.rows.end - t.rows.start;
  const nb2 = t.cols.end - t.cols.start;
  const out = new Float32Array(b.values.length);
  if (layout === 'diagonal') {
    for (let i = 0; i < nb1; i++) for (let j = 0; j < nb2; j++) for (let a = 0; a < k; a++) out[(j * nb1 + i) * k + a] = b.values[(i * nb2 + j) * k + a];
  } else {
    const R = b.rowEnd - b.rowStart;
    const C = b.colEnd - b.colStart;
    for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = b.values[r * C + c];
  }
  const range = viewRange(t.cols, t.rows, layout, k);
  return { kernel: b.kernel, ...range, values: out };
}

/** Blocks of every tile, and their transposes below the diagonal of a symmetric kernel, one tile at a time. */
async function* allBlocks(job: TileJob, records: TileRecord[], options: AssembleOptions): AsyncGenerator<Block> {
  const { layout, outputs, symmetric } = job.manifest.kernel;
  const tiles = job.allTiles();
  for (const t of tiles) {
    for (const b of await readTile(job, t, records[t.index])) {
      yield b;
      if (symmetric && t.i !== t.j) yield transposed(b, t, layout, outputs);
    }
    options.onProgress?.(t.index + 1, tiles.length);
  }
}

function descriptorOf(job: TileJob, records: TileRecord[]): KernelDescriptor {
  const k = job.manifest.kernel;
  // One descriptor for every tile (readers require it): the distinct backends that computed them, the total compute time.
  const backends = [...new Set(records.map((r) => r.backend))];
  return {
    label: 'ntk',
    kind: 'ntk',
    layout: k.layout,
    outputs: k.outputs,
    shape: k.shape,
    symmetric: k.symmetric,
    backend: backends.join(' | '),
    wallTimeMs: records.reduce((s, r) => s + r.computeMs, 0),
    normalization: k.normalization,
  };
}

function temporaryFor(out: string): string {
  return join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
}

async function assembleArrow(job: TileJob, out: string, labels: string[], records: TileRecord[], options: AssembleOptions): Promise<AssembleResult> {
  const desc = descriptorOf(job, records);
  async function* batches(): AsyncGenerator<RecordBatch<KernelTileColumns>> {
    for await (const b of allBlocks(job, records, options)) {
      const d = b.kernel === 0 ? desc : { ...desc, kind: 'ntk-component' as const, label: labels[b.kernel] };
      yield kernelTileBatch(b.kernel, d, [b]);
    }
  }
  const m = job.manifest;
  const meta = { params: { job: m.id, tiles: m.grid.tiles, tile: m.grid.tile, n1: m.grid.n1, n2: m.grid.n2 }, backend: desc.backend, runId: m.id };
  const tmp = temporaryFor(out);
  try {
    const summary = await new ResultStream(resultSchema('kernel-tiles', meta), batches()).toFile(tmp, { format: out.endsWith('.arrows') ? 'stream' : 'file' });
    await rename(tmp, out);
    return { path: out, format: 'arrow', bytes: summary.bytes, kernels: labels };
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

async function assembleNpy(job: TileJob, out: string, index: number, label: string, records: TileRecord[], options: AssembleOptions): Promise<AssembleResult> {
  const k = job.manifest.kernel;
  const shape = k.shape;
  const nCols = shape.slice(1).reduce((a, b) => a * b, 1);
  const header = npyHeader(shape);
  const total = header.length + shape.reduce((a, b) => a * b, 1) * 4;
  const tmp = temporaryFor(out);
  const fh = await open(tmp, 'w');
  try {
    await fh.write(header, 0, header.length, 0);
    await fh.truncate(total);
    for await (const b of allBlocks(job, records, options)) {
      if (b.kernel !== index) continue;
      const w = b.colEnd - b.colStart;
      const bytes = new Uint8Array(b.values.buffer, b.values.byteOffset, b.values.byteLength);
      for (let r = b.rowStart; r < b.rowEnd; r++) {
        await fh.write(bytes, (r - b.rowStart) * w * 4, w * 4, header.length + (r * nCols + b.colStart) * 4);
      }
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, out);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  const desc = descriptorOf(job, records);
  const sidecar = `${out}.json`;
  const info = {
    format: 'ntk-lab/kernel-matrix',
    ntkLab: VERSION,
    job: job.id,
    file: basename(out),
    dtype: 'float32',
    byteOrder: 'little',
    dataOffset: header.length,
    shape,
    view: [shape[0], nCols],
    label,
    kind: index === 0 ? 'ntk' : 'ntk-component',
    layout: k.layout,
    outputs: k.outputs,
    symmetric: k.symmetric,
    backend: desc.backend,
    wallTimeMs: desc.wallTimeMs,
    normalization: k.normalization,
  };
  await writeFileAtomic(sidecar, [Buffer.from(JSON.stringify(info, null, 2) + '\n')]);
  return { path: out, format: 'npy', bytes: total, kernels: [label], sidecar };
}
