/**
 * An opened tile job: its manifest (checked), paths, and lazily its model and inputs. Opening checks every
 * input file against the sha256 the manifest recorded, so a worker never computes a tile from other inputs.
 *
 *   const job = await TileJob.open('runs/k3000', { mode: 'run' });
 *   job.tile(7)          // { index: 7, i: 1, j: 3, rows, cols, name: '1-3' }
 *   await job.state(job.tile(7))
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureBackend } from '../backend';
import { JobIntegrityError } from './errors';
import { allTiles, TileRef, tileAt } from './grid';
import { sha256File } from './hash';
import { readInputs, StoredInputs } from './inputs-io';
import { readManifest, TileJobManifest } from './manifest';
import { loadModel, LoadedModel } from './model-io';
import { TileState, tileState, VerifyLevel } from './tile-record';
import { TEMPORARY } from './atomic';

/** The job folder's subfolders. */
export const MODEL_DIR = 'model';
export const INPUTS_DIR = 'inputs';
export const TILES_DIR = 'tiles';

/** Options of TileJob.open. */
export interface OpenTileJobOptions {
  /** 'run' (compute tiles: needs the ntk-lab version that planned the job) or 'read' (status, assemble: any version of the same schema). Default 'read'. */
  mode?: 'run' | 'read';
  /** Check the input files' sha256 against the manifest (default true). */
  verifyInputs?: boolean;
}

/** A temporary file left in tiles/ (see atomic.ts): by whom. */
export interface Temporary {
  file: string;
  host: string;
  pid: number;
}

export class TileJob {
  private loadedModel: Promise<LoadedModel> | undefined;
  private loadedInputs: Promise<{ x1: StoredInputs; x2: StoredInputs | null }> | undefined;

  private constructor(
    /** Absolute path of the job folder. */
    readonly dir: string,
    readonly manifest: TileJobManifest,
  ) {}

  /** Opens the job in `dir` (JobFormatError, JobIntegrityError when it cannot be used). */
  static async open(dir: string, options: OpenTileJobOptions = {}): Promise<TileJob> {
    const abs = resolve(dir);
    const manifest = await readManifest(abs, (options.mode ?? 'read') === 'run');
    const job = new TileJob(abs, manifest);
    if (options.verifyInputs ?? true) await job.verifyInputs();
    return job;
  }

  get id(): string {
    return this.manifest.id;
  }

  get tiles(): number {
    return this.manifest.grid.tiles;
  }

  /** Tile number `index` (TileIndexError when out of range). */
  tile(index: number): TileRef {
    return tileAt(this.manifest.grid, index);
  }

  allTiles(): TileRef[] {
    return allTiles(this.manifest.grid);
  }

  get tilesDir(): string {
    return join(this.dir, TILES_DIR);
  }

  arrowPath(t: TileRef): string {
    return join(this.dir, TILES_DIR, `${t.name}.arrow`);
  }

  recordPath(t: TileRef): string {
    return join(this.dir, TILES_DIR, `${t.name}.json`);
  }

  /** Whether tile `t` is done, missing, partial or corrupt (see tile-record.ts). */
  state(t: TileRef, verify: VerifyLevel = 'hash'): Promise<TileState> {
    return tileState(t, this.id, this.arrowPath(t), this.recordPath(t), verify);
  }

  /** Temporary files in tiles/ (writes in progress, or left by killed workers). */
  async temporaries(): Promise<Temporary[]> {
    const names = await readdir(this.tilesDir).catch(() => [] as string[]);
    return names.flatMap((file) => {
      const m = TEMPORARY.exec(file);
      return m ? [{ file, host: m[2], pid: Number(m[3]) }] : [];
    });
  }

  /** The model, read once per process. */
  model(): Promise<LoadedModel> {
    // The backend first: building the model's variables would otherwise settle on tfjs's cpu backend.
    this.loadedModel ??= ensureBackend().then(() => loadModel(join(this.dir, MODEL_DIR)));
    return this.loadedModel;
  }

  /** The inputs, read once per process. */
  inputs(): Promise<{ x1: StoredInputs; x2: StoredInputs | null }> {
    this.loadedInputs ??= (async () => {
      const { x1, x2 } = this.manifest.inputs;
      return { x1: await readInputs(join(this.dir, x1.file)), x2: x2 ? await readInputs(join(this.dir, x2.file)) : null };
    })();
    return this.loadedInputs;
  }

  /** Frees the model's variables (when it was loaded). */
  async dispose(): Promise<void> {
    const m = this.loadedModel;
    this.loadedModel = undefined;
    if (m) (await m).dispose();
  }

  /** Checks every file the manifest lists (size, then sha256); JobIntegrityError names the first that changed. */
  async verifyInputs(): Promise<void> {
    for (const [file, want] of Object.entries(this.manifest.files)) {
      const path = join(this.dir, file);
      let got: { sha256: string; bytes: number };
      try {
        got = await sha256File(path);
      } catch (e) {
        throw new JobIntegrityError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the job needs every file it was planned with`);
      }
      if (got.bytes !== want.bytes || got.sha256 !== want.sha256) {
        throw new JobIntegrityError(
          `${path} changed since the job was planned: ${got.bytes} bytes, sha256 ${got.sha256.slice(0, 12)}... now; ` +
            `${want.bytes} bytes, sha256 ${want.sha256.slice(0, 12)}... recorded. Tiles of one kernel must come from the same model and inputs: ` +
            'restore the file, or plan a new job',
        );
      }
    }
  }
}
