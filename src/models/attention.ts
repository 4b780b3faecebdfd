/**
 * A single-head self-attention block as a pure function f(params, x) of tfjs ops: an architecture outside
 * tfjs-layers that ntk() takes as it is. For x [n, T, d] (T tokens of d features):
 *   Q = x Wq, K = x Wk, V = x Wv                        [n, T, h]
 *   A = softmax(Q K^T / sqrt(h)) over the last axis    [n, T, T]
 *   z = x + (A V) Wo          (residual; or A V Wo)     [n, T, d]
 *   y = mean_T(z) Wr + br                               [n, k]
 * Written batch-polymorphically: every weight also works with a leading row axis ([R, ...shape], one copy per
 * example: a batched tf.matMul of equal ranks), so ntk() takes the batched pure route (one tfjs reverse pass per
 * block of examples and outputs) rather than one pass per example and output. A plain weight [d, h] multiplies
 * the tokens as [n T, d] rows rather than by broadcasting tf.matMul over [n, T, d]: in tfjs-core 4.22 the
 * gradient of a broadcast BatchMatMul is not summed over the broadcast axis (it fails its shape check).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '../errors';
import { Rng } from '../random';

export interface AttentionOptions {
  /** Features per token, d. */
  dim: number;
  /** Width of the query/key/value projections, h (default d). */
  headDim?: number;
  /** Outputs per example, k (default 1). */
  outputDim?: number;
  /** Add the input to the attention output before pooling (default true). */
  residual?: boolean;
  /** Seed of the N(0, 1/fan_in) initial weights (default 0). */
  seed?: number;
}

/** A self-attention block: `apply(params, x)` for ntk() (a PureModel), its parameters and their labels. */
export interface Attention {
  apply(params: tf.Tensor[], x: tf.Tensor): tf.Tensor;
  /** Wq [d, h], Wk [d, h], Wv [d, h], Wo [h, d], Wr [d, k], br [k]. */
  params: tf.Tensor[];
  paramLabels: string[];
  dispose(): void;
}

function positive(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`${name}: expected a positive integer, got ${v}`);
  return v;
}

/** A seeded single-head self-attention block with a mean-pooled dense readout; x [n, T, dim] -> [n, outputDim]. */
export function selfAttention(opts: AttentionOptions): Attention {
  const d = positive(opts.dim, 'dim');
  const h = positive(opts.headDim ?? d, 'headDim');
  const k = positive(opts.outputDim ?? 1, 'outputDim');
  const residual = opts.residual ?? true;
  const rng = new Rng(opts.seed ?? 0);
  const normal = (shape: number[], fanIn: number): tf.Tensor => {
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(Float32Array.from({ length: size }, () => rng.normal() / Math.sqrt(fanIn)), shape);
  };
  const params = [normal([d, h], d), normal([d, h], d), normal([d, h], d), normal([h, d], h), normal([d, k], d), tf.zeros([k])];
  const scale = 1 / Math.sqrt(h);
  const apply = (p: tf.Tensor[], x: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      if (x.rank !== 3 || x.shape[2] !== d) throw new InvalidOptionError(`selfAttention: expected x [n, T, ${d}], got [${x.shape.join(', ')}]`);
      const n = x.shape[0];
      const [wq, wk, wv, wo, wr, br] = p;
      // Tokens [n, T, c] times a weight [c, c'] (as [n T, c] rows) or per-example weights [n, c, c'].
      const tokens = (t: tf.Tensor, w: tf.Tensor): tf.Tensor => {
        if (w.rank !== 2) return tf.matMul(t, w);
        const [c, c2] = w.shape as [number, number];
        return tf.reshape(tf.matMul(tf.reshape(t, [-1, c]) as tf.Tensor2D, w as tf.Tensor2D), [n, t.shape[1] ?? 1, c2]);
      };
      const q = tokens(x, wq);
      const key = tokens(x, wk);
      const v = tokens(x, wv);
      const a = tf.softmax(tf.mul(tf.matMul(q, key, false, true), scale));
      const o = tokens(tf.matMul(a, v), wo);
      const z = residual ? tf.add(x, o) : o;
      const pooled = tf.mean(z, 1, true);
      // The readout of [n, 1, d]; the bias [k] or [n, k] broadcasts either way.
      return tf.add(tf.reshape(tokens(pooled, wr), [n, k]), br);
    });
  return {
    apply,
    params,
    paramLabels: ['query', 'key', 'value', 'output', 'readout/kernel', 'readout/bias'],
    dispose: () => params.forEach((t) => t.dispose()),
  };
}
