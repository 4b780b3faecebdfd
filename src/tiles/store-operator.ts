/**
 * The kernel of a finished tile job as an operator, streamed from disk: K V for a block of b vectors (float64
 * sums), and the exact one-pass statistics (trace, Frobenius norm, diagonal, effective rank), without ever holding
 * the kernel: each pass reads every stored tile once, one at a time per worker, and an off-diagonal tile of a
 * symmetric kernel serves both block (i, j) and its transpose (j, i).
 *
 *   const op = await TileStoreOperator.open('runs/k100k', { workers: 4, onProgress: (e) => bar(e.tilesDone, e.tiles) });
 *   const kv = await op.apply(v);          // n x b, one pass (20 GB at n = 100,000, upper half)
 *   const s = await op.stats();            // { trace, frobenius, effectiveRank, diagonal, ... }
 *   await op.close();
 *
 * Integrity: every tile's size is checked against its record on each read; its sha256 on the first read in this
 * process (verify 'once', the default: later passes trust a file whose size and mtime are unchanged, since any
 * rewrite changes the mtime) or on every read (verify 'every-pass': a bit flipped in place without touching the
 * mtime is caught too, at the cost of hashing the whole store on each pass). A mismatch fails the pass with
 * JobIncompleteError naming the tile; `ntk-lab tiles run` recomputes it.
 *
 * Parallelism: `workers` P > 1 runs P worker threads, each owning a fixed share of the tiles (balanced by area),
 * reading and promoting its tiles in parallel and adding into its own n x b partial sum in shared memory; the GEMMs
 * themselves go through linalg's one BLAS at a time (OpenBLAS threads inside each).
 */
import { stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError, InvalidOptionError, MemoryBudgetError, NtkLabError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import type { BlockOperator } from '../spectra/block-operator';
import { JobFormatError, JobIncompleteError } from './errors';
import { tilePairs } from './grid';
import { TileJob } from './job';
import { accumulateProduct, accumulateStats, newScratch, type StatsPartial } from './store-accumulate';
import type { StoreReply, StoreRequest, StoreWorkerData } from './store-worker';
import { readViewBlock, type StoredTile, type TileVerify } from './tile-block';

/** Options of TileStoreOperator.open. */
export interface TileStoreOptions {
  /** Worker threads reading tiles in parallel (default 1: in this thread). */
  workers?: number;
  /** Which kernel of the tiles: 'ntk' (default) or a component's label. */
  kernel?: string;
  /** Checksum policy (default 'once'; see the file comment). */
  verify?: TileVerify;
  /** Called after each tile of each pass. */
  onProgress?: (e: StorePassEvent) => void;
  /** Stops a pass between tiles (CancelledError). */
  signal?: AbortSignal;
  /** Refuse a pass whose n x b buffers (the result, the input and one partial per worker) exceed this (default: half the machine's memory). */
  maxBytes?: number;
}

/** Progress of a pass over the store. */
export interface StorePassEvent {
  /** 1-based number of the pass. */
  pass: number;
  kind: 'apply' | 'stats';
  /** Vectors in the block (0 for statistics). */
  vectors: number;
  tilesDone: number;
  tiles: number;
  /** Bytes of tile files read so far in this pass. */
  bytesRead: number;
  elapsedMs: number;
}

/** Exact statistics of the stored kernel, from one pass. */
export interface KernelStats {
  /** Rows and columns of the kernel's 2-D view. */
  rows: number;
  cols: number;
  /** tr K (null unless the kernel is symmetric). */
  trace: number | null;
  /** ||K||_F = sqrt(sum of squares of every entry, both halves). */
  frobenius: number;
  /** (tr K)^2 / ||K||_F^2 in [1, n] (null unless symmetric). */
  effectiveRank: number | null;
  /** The diagonal (null unless symmetric). */
  diagonal: Float64Array | null;
  /** 1^T K 1 and max |K_ij|. */
  sum: number;
  maxAbs: number;
  /** Bytes read and milliseconds taken by the pass. */
  bytesRead: number;
  ms: number;
}

/** A stored tile with its share of the work and its block of the 2-D view (rows [r0, r1) x cols [c0, c1)). */
interface Planned extends StoredTile {
  pairs: number;
  view: { r0: number; r1: number; c0: number; c1: number };
}

/** Restores a worker's error as the named class where it is one of ours. */
function revive(name: string, message: string): Error {
  const known: Record<string, new (m: string) => Error> = { JobIncompleteError, JobFormatError, ShapeError, InvalidOptionError, CancelledError };
  const Cls = known[name];
  if (Cls) return new Cls(message);
  const e = new NtkLabError(message);
  e.name = name;
  return e;
}

export class TileStoreOperator implements BlockOperator {
  /** Passes made so far (applications and statistics). */
  passes = 0;
  /** Tile bytes read so far, all passes. */
  bytesRead = 0;
  /** Tiles read by columns() and diagonal() (outside passes). */
  columnReads = 0;
  private workers: Worker[] | undefined;
  private readonly scratch = newScratch();

  private constructor(
    readonly job: TileJob,
    /** Rows and columns of the kernel's 2-D view (the operator maps cols-vectors to rows-vectors). */
    readonly rows: number,
    readonly cols: number,
    readonly symmetric: boolean,
    private readonly tiles: Planned[],
    private readonly kernelIndex: number,
    private readonly options: Required<Pick<TileStoreOptions, 'workers' | 'verify' | 'maxBytes'>> & TileStoreOptions,
    private readonly ownsJob: boolean,
  ) {}

  /** Opens the operator of finished job `job` (a TileJob or its folder); JobIncompleteError when a tile is not done. */
  static async open(job: TileJob | string, options: TileStoreOptions = {}): Promise<TileStoreOperator> {
    const workers = options.workers ?? 1;
    if (!Number.isSafeInteger(workers) || workers < 1 || workers > 256) throw new InvalidOptionError(`workers must be an integer in 1..256, got ${workers}`);
    const verify = options.verify ?? 'once';
    if (verify !== 'once' && verify !== 'every-pass') throw new InvalidOptionError(`verify must be 'once' or 'every-pass', got '${String(verify)}'`);
    const owns = typeof job === 'string';
    const j = typeof job === 'string' ? await TileJob.open(job, { mode: 'read' }) : job;
    const k = j.manifest.kernel;
    if (k.layout === 'diagonal') {
      throw new InvalidOptionError(`${j.dir}: the kernel has layout 'diagonal' (shape [${k.shape.join(', ')}]: one n x n kernel per output), which is no square operator; plan the job with layout 'trace' or 'full'`);
    }
    const labels = ['ntk', ...k.labels];
    const label = options.kernel ?? 'ntk';
    const kernelIndex = labels.indexOf(label);
    if (kernelIndex < 0) throw new InvalidOptionError(`kernel '${label}' is not in this job; it has ${labels.join(', ')}`);
    const planned: Planned[] = [];
    const missing: string[] = [];
    // View indices per example: k for layout 'full' (the nk x nk view), 1 for 'trace'.
    const rs = k.shape[0] / j.manifest.grid.n1;
    const cs = k.shape.slice(1).reduce((a, b) => a * b, 1) / j.manifest.grid.n2;
    for (const t of j.allTiles()) {
      const s = await j.state(t, 'size');
      const view = { r0: t.rows.start * rs, r1: t.rows.end * rs, c0: t.cols.start * cs, c1: t.cols.end * cs };
      if (s.state !== 'done') missing.push(`${t.name} (${s.state === 'missing' ? 'missing' : s.reason})`);
      else planned.push({ name: t.name, path: j.arrowPath(t), sha256: s.record.sha256, bytes: s.record.bytes, mirrored: k.symmetric && t.i !== t.j, pairs: tilePairs(t) * (k.symmetric && t.i !== t.j ? 2 : 1), view });
    }
    if (missing.length) {
      throw new JobIncompleteError(`${j.dir}: ${missing.length} of ${j.tiles} tiles are not done (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}): run \`ntk-lab tiles run ${j.dir}\` first`);
    }
    const rows = k.shape[0];
    const cols = k.shape.slice(1).reduce((a, b) => a * b, 1);
    return new TileStoreOperator(j, rows, cols, k.symmetric, planned, kernelIndex, { ...options, workers, verify, maxBytes: options.maxBytes ?? totalmem() / 2 }, owns);
  }

  /** Order of a symmetric operator (its rows; a cross kernel maps cols-vectors to rows-vectors). */
  get n(): number {
    return this.rows;
  }

  /** Tile files in the store. */
  get tileCount(): number {
    return this.tiles.length;
  }

  /** Bytes one pass reads. */
  get bytesPerPass(): number {
    return this.tiles.reduce((s, t) => s + t.bytes, 0);
  }

  /** K V: V is cols x b (float64), the result rows x b (float64); one pass over the store. */
  async apply(v: Matrix<Float64Array>): Promise<Matrix<Float64Array>> {
    if (!(v.data instanceof Float64Array) || v.rows !== this.cols || v.cols < 1 || v.data.length !== v.rows * v.cols) {
      throw new ShapeError(`TileStoreOperator.apply: V must be a ${this.cols} x b float64 block, got ${v.rows} x ${v.cols} ${v.data?.constructor?.name}`);
    }
    const b = v.cols;
    const P = Math.min(this.options.workers, this.tiles.length);
    const need = (this.rows * b * (P + 1) + this.cols * b) * 8;
    if (need > this.options.maxBytes) {
      throw new MemoryBudgetError(`TileStoreOperator.apply: a pass of ${b} vectors on ${P} workers needs ${(need / 2 ** 30).toFixed(2)} GiB of n x b buffers, over the budget of ${(this.options.maxBytes / 2 ** 30).toFixed(2)} GiB: use fewer vectors or workers`, need, this.options.maxBytes);
    }
    const pass = ++this.passes;
    if (P <= 1) {
      const y = new Float64Array(this.rows * b);
      await this.inThread(pass, 'apply', b, async (t) => accumulateProduct(await readViewBlock(t, this.kernelIndex, this.options.verify, this.job.dir), t.mirrored, v.data, y, b, this.scratch));
      return { rows: this.rows, cols: b, data: y };
    }
    const vs = new SharedArrayBuffer(v.data.byteLength);
    new Float64Array(vs).set(v.data);
    const parts = Array.from({ length: P }, () => new SharedArrayBuffer(this.rows * b * 8));
    await this.onWorkers(pass, 'apply', b, (w) => ({ op: 'apply', v: vs, y: parts[w], b }));
    const y = new Float64Array(this.rows * b);
    for (const p of parts) {
      const part = new Float64Array(p);
      for (let i = 0; i < y.length; i++) y[i] += part[i];
    }
    return { rows: this.rows, cols: b, data: y };
  }

  /** Exact trace, Frobenius norm, diagonal and effective rank (tr K)^2 / ||K||_F^2, from one pass. */
  async stats(): Promise<KernelStats> {
    const pass = ++this.passes;
    const t0 = performance.now();
    const before = this.bytesRead;
    const P = Math.min(this.options.workers, this.tiles.length);
    const acc: StatsPartial = { sumSquares: 0, sum: 0, maxAbs: 0, diagonal: new Float64Array(this.rows).fill(NaN) };
    if (P <= 1) {
      await this.inThread(pass, 'stats', 0, async (t) => accumulateStats(await readViewBlock(t, this.kernelIndex, this.options.verify, this.job.dir), t.mirrored, acc));
    } else {
      const diags = Array.from({ length: P }, () => {
        const s = new SharedArrayBuffer(this.rows * 8);
        new Float64Array(s).fill(NaN);
        return s;
      });
      const scalars = await this.onWorkers(pass, 'stats', 0, (w) => ({ op: 'stats', diagonal: diags[w] }));
      for (const s of scalars) {
        acc.sumSquares += s.sumSquares;
        acc.sum += s.sum;
        acc.maxAbs = Math.max(acc.maxAbs, s.maxAbs);
      }
      for (const d of diags) {
        const part = new Float64Array(d);
        for (let i = 0; i < this.rows; i++) if (!Number.isNaN(part[i])) acc.diagonal[i] = part[i];
      }
    }
    const square = this.symmetric && this.rows === this.cols;
    let trace = 0;
    for (let i = 0; i < this.rows; i++) trace += acc.diagonal[i];
    const frobenius = Math.sqrt(acc.sumSquares);
    return {
      rows: this.rows,
      cols: this.cols,
      trace: square ? trace : null,
      frobenius,
      effectiveRank: square ? (trace * trace) / acc.sumSquares : null,
      diagonal: square ? acc.diagonal : null,
      sum: acc.sum,
      maxAbs: acc.maxAbs,
      bytesRead: this.bytesRead - before,
      ms: performance.now() - t0,
    };
  }

  /**
   * Columns K[:, js] (rows x c float64) of a symmetric kernel, reading only the tiles that hold them: for columns in
   * view block b, the stored tiles of block row b and block column b (T of the T (T + 1) / 2 tiles of a T x T grid,
   * about 2 / (T + 1) of a pass), each read once for every requested column it holds; so ask for several columns at
   * once where they share blocks. Counts in `bytesRead` and `columnReads`, not in `passes`.
   */
  async columns(js: readonly number[]): Promise<Matrix<Float64Array>> {
    if (!this.symmetric) throw new InvalidOptionError(`${this.job.dir}: column access needs a symmetric kernel K(x, x) (a job planned without x2)`);
    const c = js.length;
    for (const j of js) if (!Number.isSafeInteger(j) || j < 0 || j >= this.cols) throw new ShapeError(`TileStoreOperator.columns: column ${j} is outside 0..${this.cols - 1}`);
    if (c < 1) throw new ShapeError('TileStoreOperator.columns: no columns asked for');
    const need = this.rows * c * 8;
    if (need > this.options.maxBytes) throw new MemoryBudgetError(`TileStoreOperator.columns: ${c} columns of ${this.rows} rows need ${(need / 2 ** 30).toFixed(2)} GiB, over the budget of ${(this.options.maxBytes / 2 ** 30).toFixed(2)} GiB`, need, this.options.maxBytes);
    const out = new Float64Array(this.rows * c);
    for (const t of this.tiles) {
      const v = t.view;
      // Columns this tile holds: as stored (block (i, j): K[r0..r1, j]) and, mirrored, as its transpose (K[c0..c1, j] for j in rows).
      const direct = js.flatMap((j, q) => (j >= v.c0 && j < v.c1 ? [q] : []));
      const transposed = t.mirrored ? js.flatMap((j, q) => (j >= v.r0 && j < v.r1 ? [q] : [])) : [];
      if (!direct.length && !transposed.length) continue;
      this.cancelled();
      const blk = await readViewBlock(t, this.kernelIndex, this.options.verify, this.job.dir);
      this.bytesRead += t.bytes;
      this.columnReads++;
      const w = blk.colEnd - blk.colStart;
      for (const q of direct) for (let r = blk.rowStart; r < blk.rowEnd; r++) out[r * c + q] = blk.values[(r - blk.rowStart) * w + (js[q] - blk.colStart)];
      for (const q of transposed) {
        const base = (js[q] - blk.rowStart) * w;
        for (let s = blk.colStart; s < blk.colEnd; s++) out[s * c + q] = blk.values[base + (s - blk.colStart)];
      }
    }
    return { rows: this.rows, cols: c, data: out };
  }

  /** The diagonal of a symmetric kernel (float64, length n), reading only the T diagonal tiles of a T x T grid. */
  async diagonal(): Promise<Float64Array> {
    if (!this.symmetric) throw new InvalidOptionError(`${this.job.dir}: a cross kernel K(x1, x2) has no diagonal; plan the job without x2`);
    const d = new Float64Array(this.rows);
    for (const t of this.tiles) {
      if (t.mirrored || t.view.r0 !== t.view.c0) continue;
      this.cancelled();
      const blk = await readViewBlock(t, this.kernelIndex, this.options.verify, this.job.dir);
      this.bytesRead += t.bytes;
      this.columnReads++;
      const w = blk.colEnd - blk.colStart;
      for (let r = blk.rowStart; r < blk.rowEnd; r++) d[r] = blk.values[(r - blk.rowStart) * w + (r - blk.colStart)];
    }
    return d;
  }

  /** Ends the worker threads (and closes the job when open() opened it). */
  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = undefined;
    if (ws) await Promise.all(ws.map((w) => w.terminate()));
    if (this.ownsJob) await this.job.dispose();
  }

  private event(pass: number, kind: 'apply' | 'stats', vectors: number, tilesDone: number, bytes: number, t0: number): void {
    this.options.onProgress?.({ pass, kind, vectors, tilesDone, tiles: this.tiles.length, bytesRead: bytes, elapsedMs: performance.now() - t0 });
  }

  private cancelled(): void {
    if (this.options.signal?.aborted) throw new CancelledError(`pass ${this.passes} over ${this.job.dir} cancelled`);
  }

  private async inThread(pass: number, kind: 'apply' | 'stats', vectors: number, each: (t: Planned) => Promise<void>): Promise<void> {
    const t0 = performance.now();
    let bytes = 0;
    let done = 0;
    for (const t of this.tiles) {
      this.cancelled();
      await each(t);
      bytes += t.bytes;
      this.bytesRead += t.bytes;
      this.event(pass, kind, vectors, ++done, bytes, t0);
    }
  }

  /** Splits the tiles among P workers by area (largest first, to the least loaded), once. */
  private shares(P: number): Planned[][] {
    const out: Planned[][] = Array.from({ length: P }, () => []);
    const load = new Array<number>(P).fill(0);
    for (const t of [...this.tiles].sort((a, b) => b.pairs - a.pairs)) {
      let w = 0;
      for (let q = 1; q < P; q++) if (load[q] < load[w]) w = q;
      out[w].push(t);
      load[w] += t.pairs;
    }
    return out;
  }

  private async onWorkers(pass: number, kind: 'apply' | 'stats', vectors: number, request: (w: number) => StoreRequest): Promise<{ sumSquares: number; sum: number; maxAbs: number }[]> {
    const P = Math.min(this.options.workers, this.tiles.length);
    if (!this.workers) {
      const script = join(__dirname, 'store-worker.js');
      await stat(script).catch(() => {
        throw new InvalidOptionError(`${script} is missing: the tile-store workers run from the compiled package (build it first)`);
      });
      this.workers = this.shares(P).map((tiles) => new Worker(script, { workerData: { dir: this.job.dir, tiles, kernel: this.kernelIndex, verify: this.options.verify } satisfies StoreWorkerData }));
    }
    const ws = this.workers;
    // Referenced only during a pass: idle workers between passes do not keep the process alive.
    for (const w of ws) w.ref();
    const t0 = performance.now();
    let bytes = 0;
    let done = 0;
    const abort = new AbortController();
    try {
      return await Promise.all(
        ws.map((w, i) =>
          new Promise<{ sumSquares: number; sum: number; maxAbs: number }>((resolve, reject) => {
            const off = (): void => {
              w.off('message', onMessage);
              w.off('error', onError);
              w.off('exit', onExit);
            };
            const onMessage = (m: StoreReply): void => {
              if (m.type === 'tile') {
                bytes += m.bytes;
                this.bytesRead += m.bytes;
                this.event(pass, kind, vectors, ++done, bytes, t0);
                if (this.options.signal?.aborted) {
                  off();
                  reject(new CancelledError(`pass ${pass} over ${this.job.dir} cancelled`));
                }
              } else if (m.type === 'done') {
                off();
                resolve(m.stats ?? { sumSquares: 0, sum: 0, maxAbs: 0 });
              } else {
                off();
                reject(revive(m.name, m.message));
              }
            };
            const onError = (e: Error): void => {
              off();
              reject(e);
            };
            const onExit = (code: number): void => {
              off();
              reject(new NtkLabError(`tile-store worker ${i} exited (code ${code}) during pass ${pass}`));
            };
            abort.signal.addEventListener('abort', off);
            w.on('message', onMessage);
            w.on('error', onError);
            w.on('exit', onExit);
            w.postMessage(request(i));
          }),
        ),
      );
    } catch (e) {
      // A failed or cancelled pass leaves workers mid-pass: end them (the next pass starts fresh ones).
      abort.abort();
      this.workers = undefined;
      await Promise.all(ws.map((w) => w.terminate()));
      throw e;
    } finally {
      if (this.workers) for (const w of this.workers) w.unref();
    }
  }
}
