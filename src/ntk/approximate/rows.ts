/**
 * The inputs of the approximate kernels as flat rows, so that subsets of examples (landmarks, error subsets) can
 * be cut out and handed back to ntk() in the form the model takes: flat rows for vectors, a tensor for images.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, NonFiniteError, ShapeError } from '../../errors';
import { Matrix } from '../../linalg';
import { Rng } from '../../random';
import { InputBatch, firstNonFinite, toInputMatrix } from '../input';

/** n examples of `size` values each (per-example shape `shape`), row-major. */
export interface Rows {
  n: number;
  shape: number[];
  size: number;
  data: Float32Array;
  /** True when the caller passed a tensor of rank > 2 (images): subsets are then tensors of that shape. */
  shaped: boolean;
}

/** Reads x (named `name` in errors) into flat float32 rows; refuses empty batches and NaN/Infinity before any work. */
export function readRows(x: InputBatch, name: string): Rows {
  if (x instanceof tf.Tensor) {
    if (x.rank < 2) throw new ShapeError(`${name}: expected a batch [n, ...] of rank >= 2, got shape [${x.shape.join(', ')}]`);
    const n = x.shape[0];
    if (n === 0) throw new ShapeError(`${name}: empty batch (0 rows)`);
    const shape = x.shape.slice(1);
    const data = Float32Array.from(x.dataSync() as ArrayLike<number>);
    const bad = firstNonFinite(data);
    const size = data.length / n;
    if (bad >= 0) throw new NonFiniteError(`${name}: non-finite value ${data[bad]} in example ${Math.floor(bad / size)} (flat index ${bad % size})`);
    return { n, shape, size, data, shaped: x.rank > 2 };
  }
  const cols = Array.isArray(x) ? (Array.isArray(x[0]) ? x[0].length : 0) : (x as Matrix).cols;
  const m = toInputMatrix(x, name, cols);
  return { n: m.rows, shape: [m.cols], size: m.cols, data: m.data, shaped: false };
}

/** A batch of the examples `idx` of `rows`, with its disposer (a tensor for shaped inputs, else a Matrix). */
export function pick(rows: Rows, idx: readonly number[]): { batch: InputBatch; dispose(): void } {
  const data = new Float32Array(idx.length * rows.size);
  idx.forEach((i, r) => data.set(rows.data.subarray(i * rows.size, (i + 1) * rows.size), r * rows.size));
  if (!rows.shaped) return { batch: { rows: idx.length, cols: rows.size, data }, dispose: () => undefined };
  const t = tf.tensor(data, [idx.length, ...rows.shape]);
  return { batch: t, dispose: () => t.dispose() };
}

/** `s` distinct indices of 0..n-1 not in `exclude`, uniformly at random (partial Fisher-Yates), ascending. */
export function sampleIndices(n: number, s: number, rng: Rng, exclude: ReadonlySet<number> = new Set()): number[] {
  const pool: number[] = [];
  for (let i = 0; i < n; i++) if (!exclude.has(i)) pool.push(i);
  const take = Math.min(s, pool.length);
  for (let t = 0; t < take; t++) {
    const j = t + Math.floor(rng.uniform() * (pool.length - t));
    [pool[t], pool[j]] = [pool[j], pool[t]];
  }
  return pool.slice(0, take).sort((a, b) => a - b);
}

/** ||a - b||_F^2 and ||b||_F^2, accumulated in float64. */
export function squaredError(a: ArrayLike<number>, b: ArrayLike<number>): { error: number; norm: number } {
  let error = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    error += (a[i] - b[i]) ** 2;
    norm += b[i] * b[i];
  }
  return { error, norm };
}

/** Checks an optional non-negative integer option (a subset size), naming it. */
export function countOption(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new InvalidOptionError(`${name} must be a non-negative integer, got ${String(v)}`);
  return v;
}

/** Checks a seed option (any 32-bit integer; default 0). */
export function seedOption(v: number | undefined): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidOptionError(`seed must be an integer, got ${String(v)}`);
  return v;
}
