/**
 * From one tfjs layer to the engine's ops. Dense, ntk-lab's ScaledDense, Conv1D/2D (channels last), pooling,
 * Flatten/Reshape/Dropout, activations, Embedding, BatchNormalization (inference, last axis),
 * DepthwiseConv2D, SeparableConv2D (depthwise then a pointwise Dense over positions), Conv2DTranspose,
 * LayerNormalization (last axis), Add/Subtract/Average/Concatenate have rules of their own;
 * any other layer runs through tfjs (the generic path).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedModelError } from '../../errors';
import { ActivationName } from '../../models';
import { ScaledDense } from '../../models/dense-layer';
import { BatchNormOp } from './ops/batch-norm';
import { ConvTransposeOp } from './ops/conv-transpose';
import { DepthwiseOp } from './ops/depthwise';
import { ElementwiseOp, SoftmaxOp, TfActivation } from './ops/elementwise';
import { EmbeddingOp } from './ops/embedding';
import type { Window } from '../../linalg/im2col';
import { Padding, makeWindow } from './ops/geometry';
import { LayerNormOp } from './ops/layer-norm';
import { LinearOp, LinearSpec } from './ops/linear';
import { PoolOp } from './ops/pool';
import type { ScaleShiftSpec } from './ops/scale-shift';
import { ConcatOp, IdentityOp, SumOp } from './ops/structural';
import { TfLayerOp } from './ops/tf-layer';
import { Op, sizeOf } from './ops/types';

type Config = Record<string, unknown>;

const IDENTITY = new Set(['Flatten', 'Reshape', 'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

function pair(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return v.length === 1 ? [1, Number(v[0])] : [Number(v[0]), Number(v[1])];
  return v === undefined || v === null ? [1, fallback] : [Number(v), Number(v)];
}

/** The weight of a layer whose name ends with `/suffix` (tfjs names them 'layer/kernel', 'layer/bias'). */
function weight(layer: tfl.layers.Layer, suffix: string): tfl.LayerVariable | undefined {
  return layer.weights.find((w) => weightName(w) === suffix);
}

function values(v: tfl.LayerVariable): Float32Array {
  return Float32Array.from(v.read().dataSync() as Float32Array);
}

/** Short weight name: 'kernel' of 'conv2d_1/kernel' (the original name: tfjs suffixes '_1' to reused variable names). */
export function weightName(v: tfl.LayerVariable): string {
  return v.originalName.slice(v.originalName.lastIndexOf('/') + 1);
}

/** Component label of a weight: '<layer name>/<weight name>'. */
export function paramLabel(layer: tfl.layers.Layer, v: tfl.LayerVariable): string {
  return `${layer.name}/${weightName(v)}`;
}

/** Activations the linear op applies itself (tfjs class name -> ntk-lab name; identical definitions). */
const FUSABLE: Record<string, ActivationName> = { linear: 'linear', relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid', softplus: 'softplus', gelu: 'gelu' };

/** The activation of a layer when the linear op can apply it itself. */
function fusable(layer: tfl.layers.Layer): ActivationName | undefined {
  const act = (layer as unknown as { activation?: TfActivation }).activation;
  return FUSABLE[act ? act.getClassName() : 'linear'];
}

/** The linear op of a layer, then its activation op unless the linear op applies it. */
function linearThenActivation(layer: tfl.layers.Layer, spec: LinearSpec): Op[] {
  const fused = fusable(layer);
  if (fused) return [new LinearOp({ ...spec, activation: fused })];
  return [new LinearOp(spec), ...activationOps(layer, spec.outShape, true)];
}

/** The activation of a layer; `fused` when it follows the layer's own linear op (whose output it may overwrite). */
function activationOps(layer: tfl.layers.Layer, shape: number[], fused: boolean): Op[] {
  const act = (layer as unknown as { activation?: TfActivation }).activation;
  const name = act ? act.getClassName() : 'linear';
  if (name === 'linear') return [];
  if (name === 'softmax') return [new SoftmaxOp(layer.name, shape)];
  return [new ElementwiseOp(layer.name, shape, name, act ?? null, fused)];
}

function denseOps(layer: tfl.layers.Layer, inShape: number[]): Op[] {
  const kernel = weight(layer, 'kernel');
  if (!kernel) throw new UnsupportedModelError(`layer '${layer.name}': Dense without a kernel`);
  const cout = (kernel.shape as [number, number])[1];
  const bias = weight(layer, 'bias');
  return linearThenActivation(layer, denseSpec(layer, kernel, bias, inShape, [...inShape.slice(0, -1), cout]));
}

/** A tfjs layer's kernel [..., C, cout] (Dense [C, cout], 1x1 pointwise [1, 1, C, cout]) and bias at every position of inShape [..., C] -> outShape [..., cout], unscaled. */
function denseSpec(layer: tfl.layers.Layer, kernel: tfl.LayerVariable, bias: tfl.LayerVariable | undefined, inShape: number[], outShape: number[]): LinearSpec {
  const ks = kernel.shape as number[];
  return {
    layer: layer.name,
    inShape,
    outShape,
    W: values(kernel),
    C: ks[ks.length - 2],
    cout: ks[ks.length - 1],
    b: bias ? values(bias) : null,
    wm: 1,
    bm: 1,
    patches: { kind: 'dense' },
    labels: { weight: paramLabel(layer, kernel), bias: bias ? paramLabel(layer, bias) : null },
    trainable: layer.trainable,
  };
}

function scaledDenseOps(layer: ScaledDense, inShape: number[]): Op[] {
  const s = layer.spec;
  const [kernel, bias] = [weight(layer, 'kernel')!, weight(layer, 'bias')];
  const outShape = [...inShape.slice(0, -1), s.outDim];
  const spec: LinearSpec = {
    layer: layer.name,
    inShape,
    outShape,
    W: values(kernel),
    C: s.inDim,
    cout: s.outDim,
    b: bias ? values(bias) : null,
    wm: s.weightMultiplier,
    bm: s.biasMultiplier,
    patches: { kind: 'dense' },
    // ntk-lab's MLPs label their parameters 'layer1/weight', 'layer1/bias' in every method.
    labels: { weight: `${layer.name}/weight`, bias: bias ? `${layer.name}/bias` : null },
    trainable: layer.trainable,
  };
  return [new LinearOp({ ...spec, activation: s.activation })];
}

function convOps(layer: tfl.layers.Layer, inShape: number[], rank: 1 | 2): Op[] {
  const c = layer.getConfig() as Config;
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') {
    throw new UnsupportedModelError(`layer '${layer.name}': dataFormat '${String(c.dataFormat)}'; the jacobian method handles channelsLast convolutions`);
  }
  const kernel = weight(layer, 'kernel')!;
  const bias = weight(layer, 'bias');
  const kshape = kernel.shape as number[];
  const cout = kshape[kshape.length - 1];
  const cin = kshape[kshape.length - 2];
  const [inH, inW] = rank === 2 ? [inShape[0], inShape[1]] : [1, inShape[0]];
  const window = makeWindow({
    layer: layer.name,
    inH,
    inW,
    channels: cin,
    kernel: pair(c.kernelSize, 1),
    strides: pair(c.strides, 1),
    dilation: pair(c.dilationRate, 1),
    padding: String(c.padding ?? 'valid') as Padding,
  });
  const outShape = rank === 2 ? [window.outH, window.outW, cout] : [window.outW, cout];
  const spec: LinearSpec = {
    layer: layer.name,
    inShape,
    outShape,
    W: values(kernel),
    C: sizeOf(kshape) / cout,
    cout,
    b: bias ? values(bias) : null,
    wm: 1,
    bm: 1,
    patches: { kind: 'conv', window },
    labels: { weight: paramLabel(layer, kernel), bias: bias ? paramLabel(layer, bias) : null },
    trainable: layer.trainable,
  };
  return linearThenActivation(layer, spec);
}

function channelsLast(layer: tfl.layers.Layer, c: Config): void {
  if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') {
    throw new UnsupportedModelError(`layer '${layer.name}': dataFormat '${String(c.dataFormat)}'; the jacobian method handles channelsLast convolutions`);
  }
}

/** The window of a depthwise convolution (DepthwiseConv2D, SeparableConv2D's first half) over [inH, inW, cin]. */
function depthwiseWindow(layer: tfl.layers.Layer, c: Config, inShape: number[], dilation: [number, number]): Window {
  return makeWindow({
    layer: layer.name,
    inH: inShape[0],
    inW: inShape[1],
    channels: inShape[2],
    kernel: pair(c.kernelSize, 1),
    strides: pair(c.strides, 1),
    dilation,
    padding: String(c.padding ?? 'valid') as Padding,
  });
}

/** The output shape the ops give must be tfjs' own (a window rule that disagreed with tfjs would compute another network). */
function checkShape(layer: tfl.layers.Layer, ours: number[], theirs: number[]): void {
  if (ours.length !== theirs.length || ours.some((d, i) => d !== theirs[i])) {
    throw new UnsupportedModelError(`layer '${layer.name}': output shape [${ours.join(', ')}] by the jacobian method's window, tfjs says [${theirs.join(', ')}]`);
  }
}

function depthwiseOps(layer: tfl.layers.Layer, inShape: number[], outShape: number[]): Op[] {
  const c = layer.getConfig() as Config;
  channelsLast(layer, c);
  const kernel = weight(layer, 'depthwise_kernel')!;
  const bias = weight(layer, 'bias');
  const multiplier = (kernel.shape as number[])[3];
  // tfjs-layers 4.x's DepthwiseConv2D.call passes no dilation to tfjs-core (its dilationRate is ignored, output
  // shape included): the network as evaluated is undilated, and so is its NTK.
  const window = depthwiseWindow(layer, c, inShape, [1, 1]);
  const shape = [window.outH, window.outW, inShape[2] * multiplier];
  checkShape(layer, shape, outShape);
  const fused = fusable(layer);
  const op = new DepthwiseOp({
    layer: layer.name,
    inShape,
    outShape: shape,
    window,
    K: values(kernel),
    multiplier,
    b: bias ? values(bias) : null,
    labels: { kernel: paramLabel(layer, kernel), bias: bias ? paramLabel(layer, bias) : null },
    trainable: layer.trainable,
    activation: fused,
  });
  return fused ? [op] : [op, ...activationOps(layer, shape, true)];
}

/** SeparableConv2D: a depthwise convolution (no bias), then a 1x1 pointwise convolution = a Dense over positions. */
function separableOps(layer: tfl.layers.Layer, inShape: number[], outShape: number[]): Op[] {
  const c = layer.getConfig() as Config;
  channelsLast(layer, c);
  const dk = weight(layer, 'depthwise_kernel')!;
  const pk = weight(layer, 'pointwise_kernel')!;
  const bias = weight(layer, 'bias');
  const multiplier = (dk.shape as number[])[3];
  const window = depthwiseWindow(layer, c, inShape, pair(c.dilationRate, 1));
  const mid = [window.outH, window.outW, inShape[2] * multiplier];
  const pshape = pk.shape as number[];
  const filters = pshape[pshape.length - 1];
  const shape = [window.outH, window.outW, filters];
  checkShape(layer, shape, outShape);
  const depthwise = new DepthwiseOp({
    layer: layer.name,
    inShape,
    outShape: mid,
    window,
    K: values(dk),
    multiplier,
    b: null,
    labels: { kernel: paramLabel(layer, dk), bias: null },
    trainable: layer.trainable,
  });
  return [depthwise, ...linearThenActivation(layer, denseSpec(layer, pk, bias, mid, shape))];
}

function convTransposeOps(layer: tfl.layers.Layer, inShape: number[], outShape: number[]): Op[] {
  const c = layer.getConfig() as Config;
  channelsLast(layer, c);
  const kernel = weight(layer, 'kernel')!;
  const bias = weight(layer, 'bias');
  const [kh, kw, filters] = kernel.shape as number[];
  // The convolution whose adjoint this layer is runs over the output; its positions must be the input's.
  const window = makeWindow({
    layer: layer.name,
    inH: outShape[0],
    inW: outShape[1],
    channels: filters,
    kernel: [kh, kw],
    strides: pair(c.strides, 1),
    dilation: [1, 1],
    padding: String(c.padding ?? 'valid') as Padding,
  });
  checkShape(layer, [window.outH, window.outW], inShape.slice(0, 2));
  const fused = fusable(layer);
  const op = new ConvTransposeOp({
    layer: layer.name,
    inShape,
    outShape,
    window,
    K: values(kernel),
    b: bias ? values(bias) : null,
    labels: { kernel: paramLabel(layer, kernel), bias: bias ? paramLabel(layer, bias) : null },
    trainable: layer.trainable,
    activation: fused,
  });
  return fused ? [op] : [op, ...activationOps(layer, outShape, true)];
}

/**
 * What batch and layer normalisation share: epsilon, gamma and beta (null: off) and their labels (null: absent or
 * frozen), when the layer normalises over the last axis only; null otherwise (the generic path).
 */
function lastAxisScaleShift(layer: tfl.layers.Layer, inShape: number[]): ScaleShiftSpec | null {
  const c = layer.getConfig() as Config;
  const axis = Array.isArray(c.axis) ? c.axis : [c.axis ?? -1];
  // After build tfjs holds the axis counted with the batch axis (the last one is inShape.length).
  if (axis.length !== 1 || (Number(axis[0]) !== -1 && Number(axis[0]) !== inShape.length)) return null;
  const gamma = weight(layer, 'gamma');
  const beta = weight(layer, 'beta');
  const label = (v: tfl.LayerVariable | undefined): string | null => (v && layer.trainable && v.trainable ? paramLabel(layer, v) : null);
  return {
    epsilon: Number(c.epsilon ?? 1e-3),
    gamma: gamma ? values(gamma) : null,
    beta: beta ? values(beta) : null,
    labels: { gamma: label(gamma), beta: label(beta) },
  };
}

/** LayerNormalization over the last axis; null for other axes (generic path). */
function layerNormOp(layer: tfl.layers.Layer, inShape: number[]): Op | null {
  const affine = lastAxisScaleShift(layer, inShape);
  return affine && new LayerNormOp({ layer: layer.name, shape: inShape, ...affine });
}

function poolOp(layer: tfl.layers.Layer, cls: string, inShape: number[]): Op {
  const c = layer.getConfig() as Config;
  const mode = cls.includes('Max') ? 'max' : 'avg';
  const rank = cls.endsWith('1D') ? 1 : 2;
  const channels = inShape[inShape.length - 1];
  const [inH, inW] = rank === 2 ? [inShape[0], inShape[1]] : [1, inShape[0]];
  if (cls.startsWith('Global')) {
    const w = makeWindow({ layer: layer.name, inH, inW, channels, kernel: [inH, inW], strides: [1, 1], dilation: [1, 1], padding: 'valid' });
    return new PoolOp(layer.name, inShape, [channels], w, mode);
  }
  const kernel = pair(c.poolSize, 2);
  const w = makeWindow({
    layer: layer.name,
    inH,
    inW,
    channels,
    kernel,
    strides: c.strides === undefined || c.strides === null ? kernel : pair(c.strides, kernel[1]),
    dilation: [1, 1],
    padding: String(c.padding ?? 'valid') as Padding,
  });
  const outShape = rank === 2 ? [w.outH, w.outW, channels] : [w.outW, channels];
  return new PoolOp(layer.name, inShape, outShape, w, mode);
}

/** BatchNormalization on the last axis, in inference mode (moving statistics); null for other axes (generic path). */
function batchNormOp(layer: tfl.layers.Layer, inShape: number[]): Op | null {
  const affine = lastAxisScaleShift(layer, inShape);
  if (!affine) return null;
  return new BatchNormOp({
    layer: layer.name,
    shape: inShape,
    mean: values(weight(layer, 'moving_mean')!),
    variance: values(weight(layer, 'moving_variance')!),
    ...affine,
  });
}

function generic(layer: tfl.layers.Layer, inShapes: number[][], outShape: number[]): Op {
  const vars = layer.trainable ? layer.trainableWeights.map((v) => ({ label: paramLabel(layer, v), variable: v.read() as tf.Variable })) : [];
  return new TfLayerOp(layer, inShapes, outShape, vars);
}

/**
 * The ops of one layer applied to inputs of per-example shapes `inShapes` (tfjs' computed output shape
 * `outShape`), chained: each op takes the previous one's output; the first takes the layer's inputs.
 */
export function layerOps(layer: tfl.layers.Layer, inShapes: number[][], outShape: number[]): Op[] {
  const cls = layer.getClassName();
  const c = layer.getConfig() as Config;
  const inShape = inShapes[0];
  if (layer instanceof ScaledDense) return scaledDenseOps(layer, inShape);
  if (cls === 'Dense') return denseOps(layer, inShape);
  if (cls === 'Conv2D') return convOps(layer, inShape, 2);
  if (cls === 'Conv1D') return convOps(layer, inShape, 1);
  if (cls === 'DepthwiseConv2D') return depthwiseOps(layer, inShape, outShape);
  if (cls === 'SeparableConv2D') return separableOps(layer, inShape, outShape);
  if (cls === 'Conv2DTranspose') return convTransposeOps(layer, inShape, outShape);
  if (cls === 'LayerNormalization') {
    const ln = layerNormOp(layer, inShape);
    if (ln) return [ln];
  }
  if (/^(Global)?(Max|Average)Pooling[12]D$/.test(cls)) return [poolOp(layer, cls, inShape)];
  if (cls === 'BatchNormalization') {
    const bn = batchNormOp(layer, inShape);
    if (bn) return [bn];
  }
  if (IDENTITY.has(cls)) {
    const shape = cls === 'Flatten' ? [sizeOf(inShape)] : cls === 'Reshape' ? outShape : inShape;
    if (sizeOf(shape) !== sizeOf(inShape)) throw new UnsupportedModelError(`layer '${layer.name}': reshape of [${inShape.join(', ')}] to [${shape.join(', ')}]`);
    return [new IdentityOp(layer.name, inShape, shape)];
  }
  if (cls === 'Activation') {
    const ops = activationOps(layer, inShape, false);
    return ops.length ? ops : [new IdentityOp(layer.name, inShape, inShape)];
  }
  if (cls === 'ReLU' && (c.maxValue === undefined || c.maxValue === null)) return [new ElementwiseOp(layer.name, inShape, 'relu', null)];
  if (cls === 'Softmax' && (c.axis === undefined || c.axis === -1 || c.axis === inShape.length)) return [new SoftmaxOp(layer.name, inShape)];
  if (cls === 'Embedding' && layer.trainable) {
    const e = weight(layer, 'embeddings')!;
    const [vocab, dim] = e.shape as [number, number];
    return [new EmbeddingOp(layer.name, inShape, [...inShape, dim], values(e), vocab, dim, paramLabel(layer, e))];
  }
  const sameShapes = inShapes.every((s) => s.length === inShape.length && s.every((d, i) => d === inShape[i]));
  if ((cls === 'Add' || cls === 'Average') && sameShapes) return [new SumOp(layer.name, inShape, inShapes.map(() => (cls === 'Add' ? 1 : 1 / inShapes.length)))];
  if (cls === 'Subtract' && sameShapes) return [new SumOp(layer.name, inShape, [1, -1])];
  if (cls === 'Concatenate') {
    const raw = Number(c.axis ?? -1);
    const axis = raw < 0 ? inShape.length + 1 + raw - 1 : raw - 1;
    const shape = [...inShape];
    shape[axis] = inShapes.reduce((s, t) => s + t[axis], 0);
    return [new ConcatOp(layer.name, inShapes, shape, axis)];
  }
  return [generic(layer, inShapes, outShape)];
}
