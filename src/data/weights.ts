/**
 * Weights trained elsewhere (PyTorch, JAX, Keras: read with readSafetensors or readNpz) put into a tfjs model of
 * the same architecture, by name. Frameworks lay weights out differently, so each mapping may permute axes:
 * a torch nn.Linear weight is [out, in] and a tfjs Dense kernel [in, out] (permute [1, 0]); a torch Conv2d weight
 * is [out, in, kh, kw] and a tfjs Conv2D kernel [kh, kw, in, out] (permute [2, 3, 1, 0]). See docs/data.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeError } from '../errors';
import { asMlp, Mlp } from '../models';
import { NdArray, sizeOf, toFloat32 } from './ndarray';

/** Where a target weight comes from: the source tensor's name, and optionally an axis permutation (numpy.transpose's axes). */
export type WeightSource = string | { from: string; permute?: number[] };

/** `a` with its axes permuted: out.shape[k] = a.shape[perm[k]] (as numpy.transpose(a, perm)). */
export function permuteAxes(a: NdArray, perm: readonly number[]): { shape: number[]; data: Float32Array } {
  const rank = a.shape.length;
  if (perm.length !== rank || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) {
    throw new ShapeError(`permute [${perm.join(', ')}] is not a permutation of the ${rank} axes of a [${a.shape.join(', ')}] array`);
  }
  const src = toFloat32(a);
  const shape = perm.map((p) => a.shape[p]);
  const inStride = new Array<number>(rank);
  let s = 1;
  for (let k = rank - 1; k >= 0; k--) {
    inStride[k] = s;
    s *= a.shape[k];
  }
  const step = perm.map((p) => inStride[p]);
  const out = new Float32Array(src.length);
  const idx = new Array<number>(rank).fill(0);
  let from = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = src[from];
    for (let k = rank - 1; k >= 0; k--) {
      from += step[k];
      if (++idx[k] < shape[k]) break;
      from -= step[k] * shape[k];
      idx[k] = 0;
    }
  }
  return { shape, data: out };
}

/**
 * Sets every weight of `model` from `tensors` by `mapping` (target name -> source). Target names: an Mlp's
 * `paramLabels` ('layer1/weight', 'layer1/bias', ...); a tf.LayersModel's `<layer name>/<weight>` ('dense/kernel',
 * 'conv1/bias', ..., as `model.weights[i].originalName`). Every weight must be mapped, every source must exist,
 * and shapes must agree after the permutation (ShapeError naming the weight otherwise).
 */
export function assignWeights(model: Mlp | tfl.LayersModel, tensors: Record<string, NdArray>, mapping: Record<string, WeightSource>): void {
  const net = asMlp(model);
  const targets: { name: string; shape: number[]; write(t: tf.Tensor): void }[] = net
    ? net.params.map((v, i) => ({ name: net.paramLabels[i], shape: [...v.shape], write: (t) => v.assign(t) }))
    : (model as tfl.LayersModel).weights.map((w) => ({ name: w.originalName, shape: [...w.shape] as number[], write: (t) => w.write(t) }));
  const known = new Set(targets.map((t) => t.name));
  const unknown = Object.keys(mapping).filter((k) => !known.has(k));
  if (unknown.length) throw new ShapeError(`assignWeights: the model has no weight ${unknown.map((u) => `'${u}'`).join(', ')} (it has ${[...known].join(', ')})`);
  const missing = targets.filter((t) => !(t.name in mapping)).map((t) => t.name);
  if (missing.length) throw new ShapeError(`assignWeights: no source for ${missing.join(', ')}`);
  // Check everything before writing anything, so that a bad mapping leaves the model as it was.
  const values = targets.map((t) => {
    const m = mapping[t.name];
    const from = typeof m === 'string' ? m : m.from;
    const source = tensors[from];
    if (!source) throw new ShapeError(`assignWeights: '${t.name}' maps to '${from}', which is not among the tensors (${Object.keys(tensors).join(', ')})`);
    const v = typeof m === 'string' || !m.permute ? { shape: source.shape, data: toFloat32(source) } : permuteAxes(source, m.permute);
    if (v.shape.join(',') !== t.shape.join(',') || sizeOf(v.shape) !== v.data.length) {
      throw new ShapeError(`assignWeights: '${t.name}' is [${t.shape.join(', ')}], '${from}'${typeof m === 'string' || !m.permute ? '' : ` permuted by [${m.permute.join(', ')}]`} is [${v.shape.join(', ')}]`);
    }
    return v;
  });
  targets.forEach((t, i) => {
    const tensor = tf.tensor(values[i].data, values[i].shape, 'float32');
    try {
      t.write(tensor);
    } finally {
      tensor.dispose();
    }
  });
}
