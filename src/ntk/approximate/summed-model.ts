/**
 * The model g(x) = (f_1(x) + ... + f_k(x)) / sqrt(k) of a k-output model f, whose NTK is the pseudo-NTK of f:
 * one reverse pass with the cotangent 1/sqrt(k) instead of k one-hot passes. An ntk-lab Mlp with a linear output
 * layer becomes an Mlp with one output (W_L 1 / sqrt(k)), so the explicit method runs; a tf.LayersModel gets a
 * frozen Dense(1) head of weights 1/sqrt(k) (no NTK component of its own); a pure function sums its outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedModelError } from '../../errors';
import { Mlp } from '../../models';
import { AutodiffModel } from '../jacobian/linearised';
import { PureModel, isPureModel } from '../jacobian/pure';
import { Rows } from './rows';

/** A model built for the duration of one call; `dispose` frees what it allocated (never the caller's model). */
export interface SummedModel {
  model: AutodiffModel;
  dispose(): void;
}

/** Number of outputs k per example of `model` (a pure function is run on one example of `rows` to find it). */
export function outputCount(model: AutodiffModel, rows: Rows): number {
  if (model instanceof Mlp) return model.outputDim;
  if (model instanceof tfl.LayersModel) {
    if (model.outputs.length !== 1) throw new UnsupportedModelError(`model '${model.name}' has ${model.outputs.length} outputs; the pseudo-NTK takes one output tensor`);
    const shape = model.outputs[0].shape.slice(1);
    if (shape.some((d) => d === null)) throw new UnsupportedModelError(`model '${model.name}': output shape [${model.outputs[0].shape.join(', ')}] has an unknown dimension`);
    return (shape as number[]).reduce((a, b) => a * b, 1);
  }
  if (isPureModel(model)) {
    return tf.tidy(() => {
      const x = tf.tensor(rows.data.subarray(0, rows.size), [1, ...rows.shape]);
      return model.apply([...model.params], x).size;
    });
  }
  throw new UnsupportedModelError('not a model: expected an ntk-lab Mlp, a tf.LayersModel, or { apply(params, x), params } (a pure function)');
}

function summedMlp(net: Mlp, k: number): SummedModel {
  const L = net.layers.length;
  const weights = net.getWeights();
  const last = weights[L - 1];
  const inDim = net.layers[L - 1].inDim;
  const W = new Float32Array(inDim);
  const c = 1 / Math.sqrt(k);
  for (let i = 0; i < inDim; i++) {
    let s = 0;
    for (let a = 0; a < k; a++) s += last.W[i * k + a];
    W[i] = c * s;
  }
  let b: Float32Array | null = null;
  if (last.b) {
    let s = 0;
    for (let a = 0; a < k; a++) s += last.b[a];
    b = new Float32Array([c * s]);
  }
  const layers = net.layers.map((s, l) => (l === L - 1 ? { ...s, outDim: 1 } : { ...s }));
  const summed = new Mlp(layers, [...weights.slice(0, L - 1), { W, b }], `${net.description}; outputs summed / sqrt(${k})`);
  return { model: summed, dispose: () => summed.dispose() };
}

function summedLayers(model: tfl.LayersModel, k: number): SummedModel {
  const shape = model.inputs[0].shape.slice(1);
  if (model.inputs.length !== 1 || shape.some((d) => d === null)) {
    throw new UnsupportedModelError(`model '${model.name}': the pseudo-NTK needs one input of a fixed shape, got [${model.inputs[0].shape.join(', ')}]`);
  }
  const input = tfl.input({ shape: shape as number[] });
  let y = model.apply(input) as tfl.SymbolicTensor;
  const flatten = y.shape.length > 2 ? tfl.layers.flatten() : null;
  if (flatten) y = flatten.apply(y) as tfl.SymbolicTensor;
  // Frozen: the head is a constant of g, not a parameter, so the NTK of g has exactly the parameters of f.
  const head = tfl.layers.dense({ units: 1, useBias: false, trainable: false, kernelInitializer: tfl.initializers.constant({ value: 1 / Math.sqrt(k) }) });
  const out = head.apply(y) as tfl.SymbolicTensor;
  const wrapped = tfl.model({ inputs: input, outputs: out, name: `${model.name}_summed` });
  // Not wrapped.dispose(): that would dispose the caller's layers too. Only the head owns a variable.
  return { model: wrapped, dispose: () => head.weights.forEach((w) => w.dispose()) };
}

function summedPure(model: PureModel, k: number): SummedModel {
  const c = 1 / Math.sqrt(k);
  const summed: PureModel = {
    apply: (params, x) =>
      tf.tidy(() => {
        const y = model.apply(params, x);
        return tf.mul(tf.sum(tf.reshape(y, [y.shape[0], -1]), 1, true), c);
      }),
    params: model.params,
    paramLabels: model.paramLabels,
  };
  return { model: summed, dispose: () => undefined };
}

/** g = sum of the k outputs of `model` / sqrt(k), as a model the NTK engine takes. */
export function summedModel(model: AutodiffModel, k: number): SummedModel {
  if (model instanceof Mlp) {
    if (model.layers[model.layers.length - 1].activation === 'linear') return summedMlp(model, k);
    return summedLayers(model.model, k);
  }
  if (model instanceof tfl.LayersModel) return summedLayers(model, k);
  if (isPureModel(model)) return summedPure(model, k);
  throw new UnsupportedModelError('not a model: expected an ntk-lab Mlp, a tf.LayersModel, or { apply(params, x), params } (a pure function)');
}
