/**
 * The batched route for pure functions f(params, x): per-example gradients of a block of B examples and k outputs
 * from ONE tfjs reverse pass. Each of the B k rows (row i*k + a: example i, output a) gets its own copy of the
 * parameters, given to f with a leading row axis ([B k, ...shape]); with the one-hot cotangent e_a on row i*k + a,
 * d/d(params of row r) of the summed outputs is that row's gradient alone, because row r's output depends on
 * its own copy only. That holds for functions written for both forms (a batched tf.matMul of [R, T, d] by per-row
 * weights [R, d, h]; a bias [R, h] adds to [R, h]: docs/architectures.md); `probeBatched` checks it, values and
 * reverse pass, on two rows with distinct parameters before the route is taken, else pure.ts's per-example route
 * is used. Costs: the B k parameter copies and their gradients (12 P bytes a row) besides f's own tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Factor } from './factors';
import type { PureModel } from './pure';
import { sizeOf } from './ops/types';

/** Relative agreement asked of the batched form with the plain one (float32 op orders differ). */
const AGREE = 1e-4;

/**
 * Parameters with a leading row axis: p [...s] -> [rows, ...s], every row = p. Copied row by row in JS and
 * uploaded once: tf.broadcastTo (a Tile kernel) took 31 of a 130 ms pass on tfjs-wasm for 100 rows of attention.
 */
function expandParams(params: readonly tf.Tensor[], rows: number): tf.Tensor[] {
  return params.map((p) => {
    const v = p.dataSync() as Float32Array;
    const out = new Float32Array(rows * v.length);
    for (let r = 0; r < rows; r++) out.set(v, r * v.length);
    return tf.tensor(out, [rows, ...p.shape]);
  });
}

/**
 * After a tf.grads that threw during its reverse pass: tfjs-core 4.22 leaves the tape set and the tensors its nodes
 * saved for the reverse pass alive (5 tensors for a one-layer function); dispose them as a finished pass would.
 */
export function releaseFailedTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) node.saved?.forEach((t) => t.dispose());
  state.activeTape = null as unknown as typeof state.activeTape;
}

/** What the probe measured: null reason = vectorisable, with the bytes f's forward keeps per row. */
export interface BatchedProbe {
  /** Why f cannot take parameters with a leading row axis (null: it can). */
  reason: string | null;
  /** Bytes of tensors f's forward pass allocates per row (measured on the probe). */
  forwardBytesPerRow: number;
}

/**
 * Checks that f(params with a leading row axis [2, ...shape], x [2, ...]) gives row r = f(params_r, x_r) for two
 * rows with different parameters (the second set perturbed), so that row gradients are per-example gradients.
 */
export function probeBatched(m: PureModel, x: Float32Array, n: number, shape: number[], outShape: number[]): BatchedProbe {
  const size = sizeOf(shape);
  const k = sizeOf(outShape);
  try {
    // tidy returns plain values only: [reason ('' = vectorisable), bytes per row].
    const [reason, forwardBytesPerRow] = tf.tidy((): [string, number] => {
      const x0 = tf.tensor(x.subarray(0, size), [1, ...shape]);
      const x1 = n > 1 ? tf.tensor(x.subarray(size, 2 * size), [1, ...shape]) : x0;
      // A second parameter set that differs from the first in every entry (a function that mixed or ignored
      // the row axis of its parameters would give row 1 = f(params_0, x_1) or a blend, and be caught).
      const alt = m.params.map((p) => tf.add(tf.mul(p, 1.25), 0.05));
      const stacked = m.params.map((p, t) => tf.concat([tf.expandDims(p, 0), tf.expandDims(alt[t], 0)], 0));
      const xs = tf.concat([x0, x1], 0);
      const before = tf.memory().numBytes;
      const y = m.apply(stacked, xs);
      const bytes = Math.max(0, tf.memory().numBytes - before) / 2;
      if (y.shape.length !== outShape.length + 1 || y.shape[0] !== 2 || y.shape.slice(1).some((d, i) => d !== outShape[i])) {
        return [`with parameters [2, ...shape] it returned shape [${y.shape.join(', ')}], not [2, ${outShape.join(', ')}]`, bytes];
      }
      const yb = y.dataSync();
      const ref0 = m.apply([...m.params], x0).dataSync();
      const ref1 = m.apply(alt, x1).dataSync();
      let diff = 0;
      let scale = 0;
      for (let a = 0; a < k; a++) {
        diff = Math.max(diff, Math.abs(yb[a] - ref0[a]), Math.abs(yb[k + a] - ref1[a]));
        scale = Math.max(scale, Math.abs(ref0[a]), Math.abs(ref1[a]));
      }
      if (!(diff <= AGREE * Math.max(scale, 1))) return [`with parameters [2, ...shape], row r is not f(params_r, x_r) (max difference ${diff.toExponential(2)})`, bytes];
      // The reverse pass too: a forward that works with per-row parameters may have a gradient that does not (tfjs-core
      // 4.22's broadcast BatchMatMul); and what the tape keeps alive, measured inside it, sizes the blocks.
      let kept = 0;
      try {
        const start = tf.memory().numBytes;
        const gs = tf.grads((...q: tf.Tensor[]) => {
          const out = m.apply(q, xs);
          kept = Math.max(0, tf.memory().numBytes - start) / 2;
          return out;
        })(stacked, tf.onesLike(y));
        const bad = gs.findIndex((g, t) => g.shape.length !== stacked[t].shape.length || g.shape.some((d, i) => d !== stacked[t].shape[i]));
        if (bad >= 0) return [`the gradient of parameter ${bad} has shape [${gs[bad].shape.join(', ')}] for parameters [${stacked[bad].shape.join(', ')}]`, bytes];
      } catch (e) {
        releaseFailedTape();
        return [`its gradient fails for parameters [2, ...shape] (${e instanceof Error ? e.message.split('\n')[0].slice(0, 120) : String(e)})`, bytes];
      }
      return ['', Math.max(bytes, kept)];
    });
    return { reason: reason === '' ? null : reason, forwardBytesPerRow };
  } catch (e) {
    return { reason: `it throws for parameters [2, ...shape] (${e instanceof Error ? e.message.split('\n')[0].slice(0, 120) : String(e)})`, forwardBytesPerRow: 0 };
  }
}

/** Bytes per example of the batched route: k rows, each a parameter copy, its gradient and f's forward (x3 for the reverse pass). */
export function batchedBytesPerExample(params: readonly tf.Tensor[], k: number, probe: BatchedProbe): number {
  const P = params.reduce((s, p) => s + p.size, 0);
  return k * (4 * 3 * P + 3 * probe.forwardBytesPerRow);
}

/**
 * Per-example gradients of every parameter of examples x [n, size] (flat), one tfjs reverse pass for all n k
 * rows: one 'rows' factor [(n k), size_t] per tensor. The caller sizes n to its memory budget (passChunk).
 */
export function pureFactorsBatched(m: PureModel, x: Float32Array, n: number, shape: number[], outShape: number[]): Factor[] {
  const size = sizeOf(shape);
  const k = sizeOf(outShape);
  const R = n * k;
  // No tf.tidy around tf.grads here: on tfjs-wasm 4.22 the same pass took 100-250 ms inside one against 23-46 ms
  // with its tensors disposed by hand (attention, 100 rows); tf.grads disposes its own intermediates.
  const own: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    own.push(t);
    return t;
  };
  try {
    const xb = keep(tf.tensor(x.subarray(0, n * size), [n, ...shape]));
    // Row i*k + a carries example i.
    const xr = k === 1 ? xb : keep(tf.tidy(() => tf.gather(xb, tf.tensor1d(Int32Array.from({ length: R }, (_, r) => Math.floor(r / k)), 'int32'))));
    const dy = keep(tf.tidy(() => tf.reshape(k === 1 ? tf.ones([R, 1]) : tf.tile(tf.eye(k), [n, 1]), [R, ...outShape])));
    const ps = expandParams(m.params, R).map(keep);
    const gs = tf.grads((...q: tf.Tensor[]) => m.apply(q, xr))(ps, dy).map(keep);
    return gs.map((g, t): Factor => ({ kind: 'rows', n, k, g: Float32Array.from(g.dataSync() as Float32Array), cols: m.params[t].size }));
  } finally {
    tf.dispose(own);
  }
}
