/**
 * planTileJob: freezes what every tile needs into a job folder, so that any machine with ntk-lab can compute any
 * tile from the folder alone:
 *
 *   <job>/manifest.json        version, schema, kernel options, grid, sha256 of every file below (written last)
 *   <job>/model/model.json     tfjs layers-model topology (+ ntk-lab's layer descriptions for an Mlp)
 *   <job>/model/weights.bin    the weights, bit for bit
 *   <job>/inputs/x1.arrow      the inputs (x2.arrow for a cross kernel)
 *   <job>/tiles/               <i>-<j>.arrow and <i>-<j>.json per finished tile (empty at first)
 *   <job>/logs/                for Slurm's per-task logs
 *
 * Planning also computes the 1 x 1 kernel of the first example, which checks that model, inputs and options
 * work together before a cluster is asked to run anything, and tells the output count and component labels.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { ensureBackend } from '../backend';
import { InvalidOptionError } from '../errors';
import { chooseNtkMethod } from '../ntk/auto';
import type { InputBatch } from '../ntk/input';
import type { AutodiffModel } from '../ntk/jacobian/linearised';
import type { OutputLayout } from '../ntk/kernel';
import { ntk, ntkLayerwise } from '../ntk/ntk';
import type { NtkMethod } from '../ntk/options';
import { VERSION } from '../version';
import { writeFileAtomic } from './atomic';
import { tileGrid } from './grid';
import { sha256File } from './hash';
import { inputBlock, inputValues, StoredInputs, writeInputs } from './inputs-io';
import { INPUTS_DIR, MODEL_DIR, TILES_DIR } from './job';
import { FileHash, JOB_FORMAT, JOB_SCHEMA_VERSION, MANIFEST_FILE, TileJobManifest } from './manifest';
import { MODEL_JSON, saveModel, WEIGHTS_BIN } from './model-io';

/** Options of planTileJob. */
export interface PlanTileJobOptions {
  /** Block edge in examples (default 1024); need not divide n. */
  tile?: number;
  /** Output layout for k > 1 outputs (default 'trace'). */
  outputs?: OutputLayout;
  /** Also store each tile's per-parameter-tensor components (default false). */
  components?: boolean;
  /** 'auto' (default) is resolved now, for the tile size, so that every tile uses one method. */
  method?: NtkMethod;
  /** Stored value type; 'float32' is what the engine computes and the only one today. */
  dtype?: 'float32';
}

/** Plans a tile job for the NTK of `model` on x1 (and x2: a cross kernel) in `dir` (absent or empty); resolves to its manifest. */
export async function planTileJob(dir: string, model: AutodiffModel, x1: InputBatch, x2?: InputBatch, options: PlanTileJobOptions = {}): Promise<TileJobManifest> {
  const layout = options.outputs ?? 'trace';
  if (!['trace', 'full', 'diagonal'].includes(layout)) throw new InvalidOptionError(`outputs must be 'trace' | 'full' | 'diagonal', got '${String(layout)}'`);
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32') throw new InvalidOptionError(`dtype must be 'float32' (the engine computes in float32), got '${String(dtype)}'`);
  const components = options.components ?? false;
  const abs = resolve(dir);
  const existing = await readdir(abs).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : Promise.reject(e)));
  if (existing.length > 0) throw new InvalidOptionError(`${abs} is not empty (${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', ...' : ''}): plan a job in a new folder`);

  await ensureBackend();
  const v1 = inputValues(x1, 'x1');
  const v2 = x2 === undefined || x2 === null ? null : inputValues(x2, 'x2');
  if (v2 && v2.shape.slice(1).join(',') !== v1.shape.slice(1).join(',')) {
    throw new InvalidOptionError(`x1 examples have shape [${v1.shape.slice(1).join(', ')}], x2 examples [${v2.shape.slice(1).join(', ')}]`);
  }
  const grid = tileGrid(v1.shape[0], v2 ? v2.shape[0] : v1.shape[0], options.tile ?? 1024, v2 === null);
  const choice = chooseNtkMethod(model, Math.min(grid.tile, grid.n1), Math.min(grid.tile, grid.n2), { method: options.method ?? 'auto', outputs: layout });
  const probe = await probeKernel(model, v1, layout, components, choice.method);

  await mkdir(join(abs, MODEL_DIR), { recursive: true });
  await mkdir(join(abs, INPUTS_DIR), { recursive: true });
  await mkdir(join(abs, TILES_DIR), { recursive: true });
  // Slurm opens its log files there before a task starts.
  await mkdir(join(abs, 'logs'), { recursive: true });
  const saved = await saveModel(model, join(abs, MODEL_DIR));
  const x1File = `${INPUTS_DIR}/x1.arrow`;
  const x2File = `${INPUTS_DIR}/x2.arrow`;
  await writeInputs(join(abs, x1File), v1, 'x1');
  if (v2) await writeInputs(join(abs, x2File), v2, 'x2');
  const modelFiles = [`${MODEL_DIR}/${MODEL_JSON}`, `${MODEL_DIR}/${WEIGHTS_BIN}`];
  const files: Record<string, FileHash> = {};
  // Hashed from disk, so that the manifest vouches for what is there, not for what was meant to be written.
  for (const f of [...modelFiles, x1File, ...(v2 ? [x2File] : [])]) files[f] = await sha256File(join(abs, f));

  const k = probe.outputs;
  const manifest: TileJobManifest = {
    format: JOB_FORMAT,
    schemaVersion: JOB_SCHEMA_VERSION,
    ntkLab: VERSION,
    id: randomUUID(),
    created: new Date().toISOString(),
    kernel: {
      kind: 'ntk',
      layout,
      outputs: k,
      components,
      labels: probe.labels,
      dtype,
      method: choice.method,
      methodReason: choice.reason,
      symmetric: v2 === null,
      shape: layout === 'full' ? [grid.n1 * k, grid.n2 * k] : layout === 'diagonal' ? [grid.n1, grid.n2, k] : [grid.n1, grid.n2],
      normalization: probe.normalization,
    },
    grid,
    model: { ...saved, files: modelFiles },
    inputs: { x1: { file: x1File, shape: v1.shape }, x2: v2 ? { file: x2File, shape: v2.shape } : null },
    files,
  };
  await writeFileAtomic(join(abs, MANIFEST_FILE), [Buffer.from(JSON.stringify(manifest, null, 2) + '\n')]);
  return manifest;
}

/** The kernel of the first example with itself: outputs k, component labels, normalisation note. */
async function probeKernel(
  model: AutodiffModel,
  x: StoredInputs,
  layout: OutputLayout,
  components: boolean,
  method: NtkMethod,
): Promise<{ outputs: number; labels: string[]; normalization: string }> {
  const block = inputBlock(x, { start: 0, end: 1 });
  try {
    if (components) {
      const r = await ntkLayerwise(model, block, undefined, { outputs: layout, method });
      return { outputs: r.ntk.outputs, labels: r.components.map((c) => c.label), normalization: r.ntk.normalization };
    }
    const K = await ntk(model, block, undefined, { outputs: layout, method });
    return { outputs: K.outputs, labels: [], normalization: K.normalization };
  } finally {
    if ('dispose' in block && typeof block.dispose === 'function') block.dispose();
  }
}
