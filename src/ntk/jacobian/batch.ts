/**
 * Inputs of the autodiff methods: a batch of n examples of any per-example shape (an image [28, 28, 1], a
 * sequence of ids [T], a vector [d]), given as a tf.Tensor [n, ...shape], or flattened rows (number[][], a
 * Matrix, a rank-2 tensor [n, prod(shape)]). Checked as the explicit method's inputs, then flattened row-major.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../../errors';
import { Matrix } from '../../linalg';
import { InputBatch, toInputMatrix } from '../input';
import { sizeOf } from './ops/types';

/** The per-example shape a batch carries: a tensor's trailing axes, or [cols] for flat rows. */
export function batchShape(x: InputBatch, name: string): number[] {
  if (x instanceof tf.Tensor) {
    if (x.rank < 1) throw new ShapeError(`${name}: expected a batch [n, ...], got a scalar`);
    return x.shape.slice(1);
  }
  return [toInputMatrix(x, name, Array.isArray(x) && Array.isArray(x[0]) ? x[0].length : (x as Matrix).cols).cols];
}

/** Converts x (named `name` in errors) to n flat float32 rows of prod(shape) values; ShapeError names what was expected. */
export function toBatch(x: InputBatch, name: string, shape: readonly number[]): Matrix<Float32Array> {
  const size = sizeOf(shape);
  if (x instanceof tf.Tensor && x.rank !== 2) {
    const got = x.shape.slice(1);
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${name}: expected a tensor [n, ${shape.join(', ')}], got shape [${x.shape.join(', ')}]`);
    }
    const flat = tf.tidy(() => tf.reshape(x, [x.shape[0], size]));
    try {
      return toInputMatrix(flat, name, size);
    } finally {
      flat.dispose();
    }
  }
  try {
    return toInputMatrix(x, name, size);
  } catch (e) {
    if (e instanceof ShapeError && shape.length > 1 && /dimension|rank-2/.test(e.message)) {
      throw new ShapeError(`${e.message} (per-example shape [${shape.join(', ')}] = ${size} values per row)`);
    }
    throw e;
  }
}
