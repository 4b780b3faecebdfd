/**
 * The model of a job, in TensorFlow.js's own layers-model format: `model.json` (topology, weights manifest) and
 * `weights.bin` (the weights, little-endian, in manifest order), as tfjs' `model.save('file://...')` writes them.
 * tfjs-node is not needed: the artifacts come from `model.save` with a custom handler and go back through
 * `tf.io.fromMemory`. Weights are copied byte for byte, so the model read back computes bit-identical kernels.
 *
 * An ntk-lab Mlp (`mlp()`, `twoLayer()`) also records its layer descriptions (forward multipliers, activations)
 * in `userDefinedMetadata.ntkLab`, and is rebuilt as an Mlp, so that the explicit method applies to it as before.
 * Any other tf.LayersModel is rebuilt by tfjs-layers from the topology (its layers must be registered classes).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeError, UnsupportedModelError } from '../errors';
import { DenseSpec, LayerWeights, Mlp, asMlp } from '../models';
import type { AutodiffModel } from '../ntk/jacobian/linearised';
import { VERSION } from '../version';
import { writeFileAtomic } from './atomic';
import { JobFormatError } from './errors';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** What kind of model a job holds: an ntk-lab Mlp, or any tf.LayersModel. */
export type SavedModelKind = 'mlp' | 'layers-model';

/** The manifest's summary of the saved model. */
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

/** Writes `model` to `dir`/model.json and `dir`/weights.bin (atomically each; `dir` is created if needed). */
export async function saveModel(model: AutodiffModel, dir: string): Promise<SavedModelInfo> {
  const net = asMlp(model as Mlp);
  const layers = net ? net.model : model;
  if (!(layers instanceof tfl.LayersModel)) {
    throw new UnsupportedModelError(
      'a tile job stores its model as a tfjs layers model (model.json + weights.bin): pass an ntk-lab Mlp or a tf.LayersModel; ' +
        'a pure function f(params, x) cannot be saved (wrap it in a tf.LayersModel)',
    );
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
  const meta: MlpMetadata | undefined = net ? { kind: 'mlp', description: net.description, layers: net.layers.map((l) => ({ ...l })) } : undefined;
  const json = {
    format: artifacts.format ?? 'layers-model',
    generatedBy: `ntk-lab ${VERSION} (${artifacts.generatedBy ?? 'tfjs-layers'})`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
    ...(meta && { userDefinedMetadata: { ntkLab: meta } }),
  };
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, WEIGHTS_BIN), [weights]);
  await writeFileAtomic(join(dir, MODEL_JSON), [Buffer.from(JSON.stringify(json, null, 1))]);
  const parameters = layers.trainableWeights.reduce((s, w) => s + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  return { kind: meta ? 'mlp' : 'layers-model', parameters, description: meta ? meta.description : `tf.LayersModel '${layers.name}' (${layers.layers.length} layers)` };
}

/** A model read back; `dispose` frees its variables. */
export interface LoadedModel {
  model: Mlp | tfl.LayersModel;
  kind: SavedModelKind;
  dispose(): void;
}

/** Reads the model that `saveModel` wrote to `dir`. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const where = join(dir, MODEL_JSON);
  let json: {
    format?: string;
    generatedBy?: string;
    modelTopology?: object;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    userDefinedMetadata?: { ntkLab?: MlpMetadata };
  };
  try {
    json = JSON.parse(await readFile(where, 'utf8'));
  } catch (e) {
    throw new JobFormatError(`${where}: not a readable tfjs model.json (${(e as Error).message})`);
  }
  const manifest = json.weightsManifest;
  if (!json.modelTopology || !Array.isArray(manifest) || manifest.length === 0) {
    throw new JobFormatError(`${where}: needs modelTopology and a weightsManifest (tfjs layers-model format)`);
  }
  const specs = manifest.flatMap((g) => g.weights);
  const bins = await Promise.all(manifest.flatMap((g) => g.paths).map((p) => readFile(join(dir, p))));
  const weightData = bins.length === 1 ? bins[0] : Buffer.concat(bins);
  const need = specs.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1) * bytesPerValue(w.dtype, where), 0);
  if (weightData.byteLength !== need) throw new JobFormatError(`${where}: the weights manifest needs ${need} bytes, the weight files hold ${weightData.byteLength}`);
  // An exact copy into a fresh, aligned ArrayBuffer (a Buffer may view Node's shared pool at any offset).
  const buffer = new Uint8Array(weightData).buffer;
  const meta = json.userDefinedMetadata?.ntkLab;
  if (meta?.kind === 'mlp') {
    const net = new Mlp(meta.layers, mlpWeights(meta.layers, specs, buffer, where), meta.description);
    return { model: net, kind: 'mlp', dispose: () => net.dispose() };
  }
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: buffer, format: json.format, generatedBy: json.generatedBy }));
  return { model, kind: 'layers-model', dispose: () => model.dispose() };
}

function bytesPerValue(dtype: string, where: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  throw new JobFormatError(`${where}: weight dtype '${dtype}' is not supported (float32, int32, bool)`);
}

/** The Mlp's weights from the weights file: W_1, b_1, W_2, ... in manifest order, float32, shapes checked against the layers. */
function mlpWeights(layers: DenseSpec[], specs: tf.io.WeightsManifestEntry[], buffer: ArrayBuffer, where: string): LayerWeights[] {
  let offset = 0;
  let s = 0;
  const next = (label: string, shape: number[]): Float32Array => {
    const spec = specs[s++];
    if (!spec || spec.dtype !== 'float32' || spec.shape.join(',') !== shape.join(',')) {
      throw new ShapeError(`${where}: ${label} should be float32 [${shape.join(', ')}], the manifest has ${spec ? `${spec.dtype} [${spec.shape.join(', ')}]` : 'nothing'}`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(buffer, offset, size);
    offset += size * 4;
    return values;
  };
  const weights = layers.map((l, i) => ({ W: next(`layer${i + 1}/kernel`, [l.inDim, l.outDim]), b: l.bias ? next(`layer${i + 1}/bias`, [l.outDim]) : null }));
  if (s !== specs.length) throw new ShapeError(`${where}: the manifest lists ${specs.length} weights, the layers use ${s}`);
  return weights;
}
