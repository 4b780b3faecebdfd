/**
 * manifest.json of a tile job: what was frozen (model, inputs, kernel options, grid), by which ntk-lab, and the
 * sha256 of every input file, so that a worker on any machine can tell it has the same job. Field by field in
 * docs/tiles.md. A manifest is written once, by `planTileJob`, last: a folder without one is not a job.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KernelMethod } from '../ntk/auto';
import type { OutputLayout } from '../ntk/kernel';
import { VERSION } from '../version';
import { JobFormatError } from './errors';
import { tileGrid, TileGridSpec } from './grid';
import type { SavedModelInfo } from './model-io';

/** `format` of every job manifest. */
export const JOB_FORMAT = 'ntk-lab/tile-job';

/** Version of the job folder's layout (manifest fields, file names, tile files); bumped when one changes meaning. */
export const JOB_SCHEMA_VERSION = 1;

export const MANIFEST_FILE = 'manifest.json';

/** Size and content hash of a file of the job, relative to the job folder. */
export interface FileHash {
  sha256: string;
  bytes: number;
}

/** The kernel a job computes. */
export interface JobKernel {
  kind: 'ntk';
  layout: OutputLayout;
  /** Model outputs k. */
  outputs: number;
  /** Whether tiles also hold the per-parameter-tensor components (labels below). */
  components: boolean;
  labels: string[];
  /** Values as stored in the tiles: float32 (what the engine computes). */
  dtype: 'float32';
  /** The method resolved at planning ('auto' resolved once, so that every tile uses the same). */
  method: KernelMethod;
  methodReason: string;
  /** True when x2 is omitted: the grid keeps the upper half. */
  symmetric: boolean;
  /** The whole kernel's shape: [n1, n2] (trace), [n1 k, n2 k] (full), [n1, n2, k] (diagonal). */
  shape: number[];
  /** How the kernel is normalised (the engine's provenance note). */
  normalization: string;
}

/** manifest.json. */
export interface TileJobManifest {
  format: typeof JOB_FORMAT;
  schemaVersion: number;
  /** ntk-lab version that planned the job; running it needs the same version. */
  ntkLab: string;
  /** Identifies the job (a UUID): every tile file and record names it. */
  id: string;
  /** ISO 8601. */
  created: string;
  kernel: JobKernel;
  grid: TileGridSpec;
  model: SavedModelInfo & { files: string[] };
  inputs: { x1: { file: string; shape: number[] }; x2: { file: string; shape: number[] } | null };
  /** Every input file (model and inputs), by path relative to the job folder. */
  files: Record<string, FileHash>;
}

/** Reads and checks `dir`/manifest.json; `sameVersion` also requires this ntk-lab's version (running tiles does). */
export async function readManifest(dir: string, sameVersion: boolean): Promise<TileJobManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new JobFormatError(
      code === 'ENOENT' ? `${dir} is not a tile job: it has no ${MANIFEST_FILE} (plan one with \`ntk-lab tiles plan\`)` : `${path}: cannot read it (${(e as Error).message})`,
    );
  }
  let m: TileJobManifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new JobFormatError(`${path}: not JSON (${(e as Error).message})`);
  }
  if (m === null || typeof m !== 'object' || m.format !== JOB_FORMAT) {
    throw new JobFormatError(`${path}: not an ntk-lab tile job (format ${JSON.stringify((m as { format?: unknown } | null)?.format)}, expected '${JOB_FORMAT}')`);
  }
  if (m.schemaVersion !== JOB_SCHEMA_VERSION) {
    throw new JobFormatError(
      `${path}: job schema version ${JSON.stringify(m.schemaVersion)}, this ntk-lab (${VERSION}) reads version ${JOB_SCHEMA_VERSION}: ` +
        (typeof m.schemaVersion === 'number' && m.schemaVersion > JOB_SCHEMA_VERSION ? 'use the newer ntk-lab that planned it' : 'plan the job again'),
    );
  }
  if (sameVersion && m.ntkLab !== VERSION) {
    throw new JobFormatError(
      `${path}: planned by ntk-lab ${m.ntkLab}, this is ntk-lab ${VERSION}: the tiles of one kernel must come from one version ` +
        `(run it with ntk-lab ${m.ntkLab}, or plan the job again)`,
    );
  }
  checkShape(m, path);
  return m;
}

function checkShape(m: TileJobManifest, path: string): void {
  const g = m.grid;
  const bad = (what: string): never => {
    throw new JobFormatError(`${path}: malformed manifest: ${what}`);
  };
  if (typeof m.id !== 'string' || !/^[A-Za-z0-9-]+$/.test(m.id)) bad(`id ${JSON.stringify(m.id)}`);
  if (!g || typeof g !== 'object') bad('no grid');
  let expect: TileGridSpec;
  try {
    expect = tileGrid(g.n1, g.n2, g.tile, g.half === 'upper');
  } catch (e) {
    return bad(`grid (${(e as Error).message})`);
  }
  for (const k of Object.keys(expect) as (keyof TileGridSpec)[]) if (expect[k] !== g[k]) bad(`grid.${k} is ${JSON.stringify(g[k])}, ${JSON.stringify(expect[k])} follows from n1, n2 and tile`);
  if (!m.kernel || !['trace', 'full', 'diagonal'].includes(m.kernel.layout)) bad('kernel.layout');
  if (m.kernel.symmetric !== (g.half === 'upper')) bad('kernel.symmetric disagrees with grid.half');
  if (!m.inputs?.x1?.file || (m.inputs.x2 === null) !== m.kernel.symmetric) bad('inputs');
  if (!m.files || typeof m.files !== 'object') bad('files');
}
