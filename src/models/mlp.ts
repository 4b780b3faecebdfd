/**
 * Multilayer perceptrons with explicit forward multipliers (NTK or standard parameterisation), seeded
 * deterministically. An Mlp is at once a tf.LayersModel (`.model`), a pure function f(params, x) (`.apply`),
 * and the static description (`.layers`) that the explicit NTK method needs.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ensureBackendSync } from '../backend';
import { InvalidOptionError, NonFiniteError, ShapeError } from '../errors';
import { Rng, deriveSeed } from '../random';
import { ActivationName, activation } from './activations';
import { DenseSpec, ScaledDense } from './dense-layer';

export type Parameterization = 'ntk' | 'standard';

/** Options of `mlp()`. Widths are the hidden layers' widths; the output layer is linear. */
export interface MlpOptions {
  inputDim: number;
  /** Hidden widths [n_1, ..., n_L]; may be empty (a linear model). */
  widths: number[];
  /** Number of outputs k (default 1). */
  outputDim?: number;
  /** Hidden activation (default 'relu'). */
  activation?: ActivationName;
  /**
   * 'ntk' (default): z_l = (weightStd / sqrt(n_{l-1})) h_{l-1} W_l + biasStd b_l, with W, b ~ N(0, 1).
   * 'standard': z_l = h_{l-1} W_l + b_l, with W ~ N(0, weightStd^2 / n_{l-1}), b ~ N(0, biasStd^2).
   */
  parameterization?: Parameterization;
  /** Whether layers have biases (default true). */
  bias?: boolean;
  /** sigma_w (default 1). */
  weightStd?: number;
  /** sigma_b (default 0.1). */
  biasStd?: number;
  /** Seed of the weights (default 0). */
  seed?: number;
}

/** Weights of one layer as row-major float32 copies: W is inDim x outDim. */
export interface LayerWeights {
  W: Float32Array;
  b: Float32Array | null;
}

const modelToMlp = new WeakMap<tfl.LayersModel, Mlp>();

/** An MLP whose parameters are tfjs Variables, described layer by layer for the explicit NTK. */
export class Mlp {
  readonly layers: readonly DenseSpec[];
  readonly model: tfl.Sequential;
  /** How the network was described, for provenance (e.g. 'ntk parameterisation, sigma_w = 1, sigma_b = 0.1'). */
  readonly description: string;

  /** Builds the tfjs model for `layers` and sets its weights (W row-major inDim x outDim). */
  constructor(layers: DenseSpec[], weights: LayerWeights[], description: string) {
    validateSpecs(layers);
    // The variables are made here, synchronously: a model may be built before anything awaited ensureBackend().
    ensureBackendSync();
    if (weights.length !== layers.length) throw new ShapeError(`Mlp: ${layers.length} layers but ${weights.length} weight sets`);
    this.layers = Object.freeze(layers.map((s) => Object.freeze({ ...s })));
    this.description = description;
    this.model = tfl.sequential();
    layers.forEach((spec, i) => {
      this.model.add(new ScaledDense({ spec, name: `layer${i + 1}`, inputShape: i === 0 ? [spec.inDim] : undefined }));
    });
    this.setWeights(weights);
    modelToMlp.set(this.model, this);
  }

  get inputDim(): number {
    return this.layers[0].inDim;
  }

  get outputDim(): number {
    return this.layers[this.layers.length - 1].outDim;
  }

  /** Trainable variables in forward order: W_1, b_1, W_2, ... (biases only where present). */
  get params(): tf.Variable[] {
    // LayerVariable.read() returns its tf.Variable; its declared type is only Tensor.
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Labels of `params`: 'layer1/weight', 'layer1/bias', ... */
  get paramLabels(): string[] {
    const labels: string[] = [];
    this.layers.forEach((s, i) => {
      labels.push(`layer${i + 1}/weight`);
      if (s.bias) labels.push(`layer${i + 1}/bias`);
    });
    return labels;
  }

  /** The network as a pure function of (params in `params` order, x: [n, inputDim]) -> [n, outputDim]. */
  apply(params: tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h: tf.Tensor2D = x;
      let p = 0;
      for (const spec of this.layers) {
        let z = tf.mul(tf.matMul(h, params[p++] as tf.Tensor2D), spec.weightMultiplier) as tf.Tensor2D;
        if (spec.bias) z = tf.add(z, tf.mul(params[p++], spec.biasMultiplier));
        h = activation(spec.activation).tf(z) as tf.Tensor2D;
      }
      return h;
    });
  }

  /** f(x) for x: [n, inputDim] -> [n, outputDim]. */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    return this.model.predict(x) as tf.Tensor2D;
  }

  /** Copies of the current weights, layer by layer. */
  getWeights(): LayerWeights[] {
    const params = this.params;
    let p = 0;
    return this.layers.map((spec) => {
      const W = params[p++].dataSync() as Float32Array;
      const b = spec.bias ? (params[p++].dataSync() as Float32Array) : null;
      return { W: Float32Array.from(W), b: b ? Float32Array.from(b) : null };
    });
  }

  /**
   * The current weights as tfjs hands them out (dataSync): read-only views that may share the backend's memory,
   * for consumers that only read them (the explicit NTK), saving getWeights()' second copy.
   */
  readWeights(): Readonly<LayerWeights>[] {
    const params = this.params;
    let p = 0;
    return this.layers.map((spec) => {
      const W = readCached(params[p++]);
      const b = spec.bias ? readCached(params[p++]) : null;
      return { W, b };
    });
  }

  /** Replaces the weights (shapes checked; NaN/Inf refused). */
  setWeights(weights: LayerWeights[]): void {
    const tensors: tf.Tensor[] = [];
    try {
      this.layers.forEach((spec, i) => {
        const w = weights[i];
        checkWeight(`layer${i + 1}/weight`, w.W, spec.inDim * spec.outDim);
        tensors.push(tf.tensor2d(w.W, [spec.inDim, spec.outDim]));
        if (spec.bias) {
          if (!w.b) throw new ShapeError(`layer${i + 1}/bias: missing (the layer has a bias)`);
          checkWeight(`layer${i + 1}/bias`, w.b, spec.outDim);
          tensors.push(tf.tensor1d(w.b));
        }
      });
      this.model.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }

  /** Frees the model's variables. */
  dispose(): void {
    modelToMlp.delete(this.model);
    this.model.dispose();
  }
}

// Values read from a variable, keyed by its dataId: tfjs gives a variable a new dataId on every assign(), so an
// entry is valid exactly as long as the variable holds the same values, and repeated kernel calls skip the copy.
const valuesByDataId = new WeakMap<object, Float32Array>();

function readCached(v: tf.Variable): Float32Array {
  const key = v.dataId as object;
  let values = valuesByDataId.get(key);
  if (!values) {
    values = v.dataSync() as Float32Array;
    valuesByDataId.set(key, values);
  }
  return values;
}

function checkWeight(label: string, data: Float32Array, length: number): void {
  if (data.length !== length) throw new ShapeError(`${label}: expected ${length} values, got ${data.length}`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new NonFiniteError(`${label}: value ${data[i]} at index ${i}`);
  }
}

function checkPositiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new InvalidOptionError(`${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

function validateSpecs(layers: DenseSpec[]): void {
  if (layers.length === 0) throw new ShapeError('Mlp: needs at least one layer');
  layers.forEach((s, i) => {
    checkPositiveInt(`layer${i + 1}.inDim`, s.inDim);
    checkPositiveInt(`layer${i + 1}.outDim`, s.outDim);
    activation(s.activation);
    if (i > 0 && s.inDim !== layers[i - 1].outDim) {
      throw new ShapeError(`layer${i + 1}: inDim ${s.inDim} does not match layer${i} outDim ${layers[i - 1].outDim}`);
    }
  });
}

/** A seeded MLP inputDim -> widths... -> outputDim (see MlpOptions for the two parameterisations). */
export function mlp(options: MlpOptions): Mlp {
  const inputDim = checkPositiveInt('inputDim', options.inputDim);
  if (!Array.isArray(options.widths)) throw new InvalidOptionError('widths must be an array of positive integers');
  const widths = options.widths.map((w, i) => checkPositiveInt(`widths[${i}]`, w));
  const outputDim = checkPositiveInt('outputDim', options.outputDim ?? 1);
  const act = activation(options.activation ?? 'relu').name;
  const parameterization = options.parameterization ?? 'ntk';
  if (parameterization !== 'ntk' && parameterization !== 'standard') {
    throw new InvalidOptionError(`parameterization must be 'ntk' or 'standard', got '${String(parameterization)}'`);
  }
  const bias = options.bias ?? true;
  const sw = options.weightStd ?? 1;
  const sb = options.biasStd ?? 0.1;
  if (!Number.isFinite(sw) || sw < 0) throw new InvalidOptionError(`weightStd must be finite and >= 0, got ${sw}`);
  if (!Number.isFinite(sb) || sb < 0) throw new InvalidOptionError(`biasStd must be finite and >= 0, got ${sb}`);
  const seed = options.seed ?? 0;
  const dims = [inputDim, ...widths, outputDim];
  const specs: DenseSpec[] = [];
  const weights: LayerWeights[] = [];
  for (let l = 1; l < dims.length; l++) {
    const fanIn = dims[l - 1];
    const ntkParam = parameterization === 'ntk';
    const wStd = ntkParam ? 1 : sw / Math.sqrt(fanIn);
    const bStd = ntkParam ? 1 : sb;
    specs.push({
      inDim: fanIn,
      outDim: dims[l],
      weightMultiplier: ntkParam ? sw / Math.sqrt(fanIn) : 1,
      biasMultiplier: ntkParam ? sb : 1,
      bias,
      activation: l === dims.length - 1 ? 'linear' : act,
      weightVariance: wStd * wStd,
      biasVariance: bias ? bStd * bStd : 0,
    });
    weights.push({
      W: new Rng(deriveSeed(seed, `layer${l}/weight`)).normals32(fanIn * dims[l], wStd),
      b: bias ? new Rng(deriveSeed(seed, `layer${l}/bias`)).normals32(dims[l], bStd) : null,
    });
  }
  const desc = `${parameterization} parameterisation, ${act}, sigma_w = ${sw}, sigma_b = ${bias ? sb : 0}, widths ${dims.join('-')}`;
  return new Mlp(specs, weights, desc);
}

/** The Mlp behind a tf.LayersModel built by ntk-lab (or the Mlp itself); undefined for any other model. */
export function asMlp(model: Mlp | tfl.LayersModel): Mlp | undefined {
  if (model instanceof Mlp) return model;
  return modelToMlp.get(model);
}
