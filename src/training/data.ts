/**
 * The model and the data a run trains on: shapes read without allocating (for validation before anything is
 * made), and tensors made from the caller's batches when the run starts (the caller's own tensors are used as
 * they are and never disposed).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { NonFiniteError, ShapeError } from '../errors';
import { Mlp } from '../models/mlp';
import type { InputBatch } from '../ntk/input';
import type { TargetMatrix } from './metrics';

/** What train() trains: an ntk-lab Mlp (explicit NTK) or any tf.LayersModel (autodiff NTK). */
export type TrainableModel = Mlp | tfl.LayersModel;

/** A training set: inputs [n, ...input shape] and targets [n, k] (k = the model's outputs; one-hot rows for classes). */
export interface TrainingSet {
  x: InputBatch;
  y: InputBatch;
}

/** Rows and, for a 2-D batch, columns of `b` (named `name` in errors), read without copying. */
export function batchShape(b: InputBatch, name: string): { rows: number; cols: number | undefined } {
  if (b instanceof tf.Tensor) {
    if (b.rank < 2) throw new ShapeError(`train: ${name} must have rank >= 2 ([n, ...]), got shape [${b.shape.join(', ')}]`);
    return { rows: b.shape[0], cols: b.rank === 2 ? b.shape[1] : undefined };
  }
  if (Array.isArray(b)) {
    if (b.length === 0 || !Array.isArray(b[0])) throw new ShapeError(`train: ${name} must be a non-empty number[][], got ${b.length === 0 ? 'an empty array' : 'a flat array'}`);
    return { rows: b.length, cols: b[0].length };
  }
  if (typeof b === 'object' && b !== null && 'rows' in b && 'cols' in b && 'data' in b) {
    if (b.data.length !== b.rows * b.cols) throw new ShapeError(`train: ${name} has ${b.data.length} values, ${b.rows} x ${b.cols} needs ${b.rows * b.cols}`);
    return { rows: b.rows, cols: b.cols };
  }
  throw new ShapeError(`train: ${name} must be a tf.Tensor, number[][] or {rows, cols, data}, got ${typeof b}`);
}

/** The model's number of outputs k. */
export function outputCount(model: TrainableModel): number {
  if (model instanceof Mlp) return model.outputDim;
  const shape = model.outputs[0]?.shape;
  const k = shape ? shape[shape.length - 1] : null;
  if (model.outputs.length !== 1 || typeof k !== 'number') throw new ShapeError(`train: the model must have one output [n, k], got ${model.outputs.length} outputs`);
  return k;
}

/** Trainable variables in the order the NTK labels its components. */
export function trainableVariables(model: TrainableModel): tf.Variable[] {
  if (model instanceof Mlp) return model.params;
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

/** f(x) of the model (inference mode), [rows, k]. */
export function predict(model: TrainableModel, x: tf.Tensor): tf.Tensor2D {
  if (model instanceof Mlp) return model.predict(x as tf.Tensor2D);
  return model.predict(x) as tf.Tensor2D;
}

/** `b` as a tensor: the caller's own (not to be disposed), or a new float32 one pushed onto `owned`. */
export function asTensor(b: InputBatch, owned: tf.Tensor[]): tf.Tensor {
  if (b instanceof tf.Tensor) return b;
  const { rows, cols } = batchShape(b, 'batch');
  const t = Array.isArray(b) ? tf.tensor2d(b, [rows, cols ?? 0], 'float32') : tf.tensor2d(Float32Array.from(b.data), [rows, cols ?? 0], 'float32');
  owned.push(t);
  return t;
}

/** Targets as a float64 row-major matrix for the kernel metrics (non-finite values refused). */
export function targetMatrix(b: InputBatch, name: string): TargetMatrix {
  const { rows, cols } = batchShape(b, name);
  if (cols === undefined) throw new ShapeError(`train: ${name} must be 2-D [n, k]`);
  const data = new Float64Array(rows * cols);
  if (b instanceof tf.Tensor) data.set(b.dataSync() as Float32Array);
  else if (Array.isArray(b)) b.forEach((row, i) => row.forEach((v, j) => (data[i * cols + j] = v)));
  else data.set(b.data);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new NonFiniteError(`train: ${name} holds ${data[bad]} at row ${Math.floor(bad / cols)}, column ${bad % cols}`);
  return { rows, cols, data };
}
