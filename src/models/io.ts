/**
 * Models on disk in TensorFlow.js's own layers-model format, without tfjs-node:
 *
 *   await saveModel(net, 'out/model');            // out/model/model.json + out/model/weights.bin
 *   const { model, dispose } = await loadModel('out/model');
 *   const keras = await loadLayersModel('converted/model.json');   // tensorflowjs_converter's output, any shards
 *
 * `model.json` holds the topology and a weights manifest (groups of weight specs, each group stored in one or more
 * shard files, e.g. group1-shard1of3.bin ...); the shards of a group are its weights' little-endian bytes in
 * manifest order, cut into pieces. Writing goes through `model.save` with a custom handler, reading through
 * `tf.io.fromMemory`: weights are copied byte for byte, so a saved-and-loaded model computes bit-identical kernels.
 * Quantised weights (float16, uint8, uint16, as tensorflowjs_converter --quantize_* writes them) are dequantised
 * to float32 by tfjs' own decoder when read.
 *
 * An ntk-lab Mlp (`mlp()`, `twoLayer()`) also records its layer descriptions (forward multipliers, activations)
 * in `userDefinedMetadata.ntkLab`, and `loadModel` rebuilds it as an Mlp so that the explicit NTK method applies.
 * Any other tf.LayersModel is rebuilt by tfjs-layers from the topology (its layers must be registered classes).
 */
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { NtkLabError, ShapeError, UnsupportedModelError } from '../errors';
import { VERSION } from '../version';
import type { DenseSpec } from './dense-layer';
import { asMlp, LayerWeights, Mlp } from './mlp';

/** A model.json or its weight shards cannot be used: unreadable JSON, missing fields, a missing shard, a size mismatch. */
export class ModelFormatError extends NtkLabError {}

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** What kind of model was saved: an ntk-lab Mlp, or any tf.LayersModel. */
export type SavedModelKind = 'mlp' | 'layers-model';

/** A summary of a saved model. */
export interface SavedModelInfo {
  kind: SavedModelKind;
  /** Number of trainable values (the NTK's parameter count P). */
  parameters: number;
  description: string;
}

/** What `userDefinedMetadata.ntkLab` holds for an Mlp. */
interface MlpMetadata {
  kind: 'mlp';
  description: string;
  layers: DenseSpec[];
}

/** The files of a saved model, in memory: write them into one folder under their names. */
export interface ModelFiles {
  files: { name: string; bytes: Uint8Array }[];
  info: SavedModelInfo;
}

/** Options of saveModel / modelFiles. */
export interface SaveModelOptions {
  /**
   * Largest weight shard in bytes: the weights are cut into `group1-shard1ofK.bin` ... as tensorflowjs_converter
   * does (its default is 4 MiB). Default: one file `weights.bin`.
   */
  shardBytes?: number;
}

type ModelLike = Mlp | tfl.LayersModel;

/** `model`'s model.json and weight file(s) as bytes (nothing written). */
export async function modelFiles(model: ModelLike, options: SaveModelOptions = {}): Promise<ModelFiles> {
  const net = asMlp(model);
  const layers = net ? net.model : model;
  if (!(layers instanceof tfl.LayersModel)) {
    throw new UnsupportedModelError(
      'saveModel stores a tfjs layers model (model.json + weights): pass an ntk-lab Mlp or a tf.LayersModel; ' +
        'a pure function f(params, x) cannot be saved (wrap it in a tf.LayersModel)',
    );
  }
  const shardBytes = options.shardBytes;
  if (shardBytes !== undefined && !(Number.isSafeInteger(shardBytes) && shardBytes >= 4)) {
    throw new ShapeError(`saveModel: shardBytes must be an integer >= 4, got ${shardBytes}`);
  }
  let artifacts: tf.io.ModelArtifacts | undefined;
  await layers.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.weightSpecs || artifacts.weightData === undefined) throw new UnsupportedModelError('tfjs saved the model without weights');
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const shards: { name: string; bytes: Uint8Array }[] = [];
  if (shardBytes === undefined) shards.push({ name: WEIGHTS_BIN, bytes: weights });
  else {
    const k = Math.max(1, Math.ceil(weights.byteLength / shardBytes));
    for (let i = 0; i < k; i++) shards.push({ name: `group1-shard${i + 1}of${k}.bin`, bytes: weights.subarray(i * shardBytes, (i + 1) * shardBytes) });
  }
  const meta: MlpMetadata | undefined = net ? { kind: 'mlp', description: net.description, layers: net.layers.map((l) => ({ ...l })) } : undefined;
  const json = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: `ntk-lab ${VERSION} (${artifacts.generatedBy ?? 'tfjs-layers'})`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: shards.map((s) => s.name), weights: artifacts.weightSpecs }],
    ...(meta && { userDefinedMetadata: { ntkLab: meta } }),
  };
  const parameters = layers.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  const description = meta ? meta.description : `tf.LayersModel '${layers.name}' (${layers.layers.length} layers)`;
  return {
    files: [...shards, { name: MODEL_JSON, bytes: Buffer.from(JSON.stringify(json, null, 1)) }],
    info: { kind: meta ? 'mlp' : 'layers-model', parameters, description },
  };
}

/**
 * Writes `model` to `dir`/model.json and its weights (`weights.bin`, or shards with `shardBytes`); `dir` is created
 * if needed. Each file is written to a temporary name and renamed, model.json last, so a reader never sees a
 * model.json whose weights are not all there.
 */
export async function saveModel(model: ModelLike, dir: string, options: SaveModelOptions = {}): Promise<SavedModelInfo> {
  const { files, info } = await modelFiles(model, options);
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    const path = join(dir, f.name);
    const tmp = join(dir, `.${f.name}.tmp-${process.pid}-${Date.now().toString(36)}`);
    try {
      await writeFile(tmp, f.bytes);
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
  return info;
}

/** A model read back; `dispose` frees its variables. */
export interface LoadedModel {
  model: Mlp | tfl.LayersModel;
  kind: SavedModelKind;
  dispose(): void;
}

interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology?: object;
  weightsManifest?: unknown;
  userDefinedMetadata?: { ntkLab?: MlpMetadata };
}

interface ReadWeights {
  json: ModelJson;
  specs: tf.io.WeightsManifestEntry[];
  /** All groups' shards concatenated in manifest order, in a fresh ArrayBuffer. */
  buffer: ArrayBuffer;
  where: string;
}

/** `dir` itself when it names a .json file, else `dir`/model.json. */
async function modelJsonPath(path: string): Promise<string> {
  if (path.endsWith('.json')) return path;
  const s = await stat(path).catch(() => undefined);
  return s?.isDirectory() ? join(path, MODEL_JSON) : path;
}

/** Bytes each stored value of `spec` takes (after quantization, when quantised). */
function storedBytes(spec: tf.io.WeightsManifestEntry, where: string): number {
  const q = spec.quantization?.dtype;
  if (q !== undefined) {
    if (q === 'uint8') return 1;
    if (q === 'uint16' || q === 'float16') return 2;
    throw new ModelFormatError(`${where}: weight '${spec.name}' is quantised as '${q}' (supported: float16, uint8, uint16)`);
  }
  if (spec.dtype === 'float32' || spec.dtype === 'int32') return 4;
  if (spec.dtype === 'bool') return 1;
  throw new ModelFormatError(`${where}: weight '${spec.name}' has dtype '${spec.dtype}' (supported: float32, int32, bool, or quantised float16/uint8/uint16)`);
}

function checkSpec(s: unknown, where: string, g: number, i: number): tf.io.WeightsManifestEntry {
  const spec = s as Partial<tf.io.WeightsManifestEntry> | null;
  if (
    !spec ||
    typeof spec.name !== 'string' ||
    typeof spec.dtype !== 'string' ||
    !Array.isArray(spec.shape) ||
    !spec.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
  ) {
    throw new ModelFormatError(`${where}: weightsManifest[${g}].weights[${i}] needs a name, a dtype and a shape of non-negative integers, got ${JSON.stringify(s)}`);
  }
  return spec as tf.io.WeightsManifestEntry;
}

/** Reads and checks model.json and every shard it names (ModelFormatError naming the file and what is wrong). */
async function readWeights(path: string): Promise<ReadWeights> {
  const where = await modelJsonPath(path);
  let text: string;
  try {
    text = await readFile(where, 'utf8');
  } catch (e) {
    throw new ModelFormatError(`${where}: cannot read the model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (e) {
    throw new ModelFormatError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const manifest = json?.weightsManifest;
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null || !Array.isArray(manifest)) {
    throw new ModelFormatError(`${where}: a tfjs layers-model model.json needs an object 'modelTopology' and an array 'weightsManifest'`);
  }
  const folder = dirname(where);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const [g, group] of (manifest as unknown[]).entries()) {
    const { paths, weights } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string') || !Array.isArray(weights)) {
      throw new ModelFormatError(`${where}: weightsManifest[${g}] needs 'paths' (file names) and 'weights' (specs)`);
    }
    const groupSpecs = weights.map((s, i) => checkSpec(s, where, g, i));
    const need = groupSpecs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * storedBytes(w, where), 0);
    let have = 0;
    for (const p of paths as string[]) {
      let bytes: Buffer;
      try {
        bytes = await readFile(join(folder, p));
      } catch (e) {
        throw new ModelFormatError(`${where}: weight shard '${p}' of group ${g + 1} (${paths.length} shards) is missing or unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      parts.push(bytes);
      have += bytes.byteLength;
    }
    if (have !== need) {
      throw new ModelFormatError(`${where}: weight group ${g + 1} needs ${need} bytes for its ${groupSpecs.length} weights, its ${paths.length} shard(s) hold ${have}`);
    }
    specs.push(...groupSpecs);
  }
  // One exact copy into a fresh, aligned ArrayBuffer (a Buffer may view Node's shared pool at any offset).
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return { json, specs, buffer: all.buffer, where };
}

async function layersFrom(r: ReadWeights): Promise<tfl.LayersModel> {
  try {
    return await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: r.json.modelTopology,
        weightSpecs: r.specs,
        weightData: r.buffer,
        format: r.json.format,
        generatedBy: r.json.generatedBy,
        convertedBy: r.json.convertedBy ?? undefined,
      }),
    );
  } catch (e) {
    if (e instanceof NtkLabError) throw e;
    throw new ModelFormatError(`${r.where}: tfjs-layers could not build the model (${(e as Error).message})`);
  }
}

/**
 * Reads a tf.LayersModel from `pathToModelJson` (a model.json, its weight shards beside it: every group, every
 * shard; float32/int32 weights, and float16/uint8/uint16-quantised ones dequantised to float32).
 */
export async function loadLayersModel(pathToModelJson: string): Promise<tfl.LayersModel> {
  return layersFrom(await readWeights(pathToModelJson));
}

/**
 * Reads the model in `dir` (a folder holding model.json, or the model.json itself): an Mlp when ntk-lab saved an
 * Mlp there, else the tf.LayersModel.
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const r = await readWeights(dir);
  const meta = r.json.userDefinedMetadata?.ntkLab;
  if (meta?.kind === 'mlp') {
    const net = new Mlp(meta.layers, mlpWeights(meta.layers, r), meta.description);
    return { model: net, kind: 'mlp', dispose: () => net.dispose() };
  }
  const model = await layersFrom(r);
  return { model, kind: 'layers-model', dispose: () => model.dispose() };
}

/** The Mlp's weights: W_1, b_1, W_2, ... in manifest order, float32 after dequantisation, shapes checked against the layers. */
function mlpWeights(layers: DenseSpec[], r: ReadWeights): LayerWeights[] {
  const quantised = r.specs.some((s) => s.quantization !== undefined);
  let offset = 0;
  let s = 0;
  const decoded = quantised ? tf.io.decodeWeights(r.buffer, r.specs) : undefined;
  try {
    const next = (label: string, shape: number[]): Float32Array => {
      const spec = r.specs[s++];
      if (!spec || spec.dtype !== 'float32' || spec.shape.join(',') !== shape.join(',')) {
        throw new ShapeError(`${r.where}: ${label} should be float32 [${shape.join(', ')}], the manifest has ${spec ? `${spec.dtype} [${spec.shape.join(', ')}]` : 'nothing'}`);
      }
      const size = shape.reduce((a, b) => a * b, 1);
      if (decoded) return Float32Array.from(decoded[spec.name].dataSync() as Float32Array);
      const values = new Float32Array(r.buffer, offset, size);
      offset += size * 4;
      return values;
    };
    const weights = layers.map((l, i) => ({ W: next(`layer${i + 1}/kernel`, [l.inDim, l.outDim]), b: l.bias ? next(`layer${i + 1}/bias`, [l.outDim]) : null }));
    if (s !== r.specs.length) throw new ShapeError(`${r.where}: the manifest lists ${r.specs.length} weights, the layers use ${s}`);
    return weights;
  } finally {
    if (decoded) tf.dispose(decoded);
  }
}

