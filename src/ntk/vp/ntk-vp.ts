/**
 * NTK-vector products Theta(x, x) v = J (J^T v) without forming the n x n kernel, for n too large for it.
 * One reverse pass with cotangent v gives u = J^T v (summed over examples, the size of the parameters); one
 * forward-mode pass gives J u. For a tf.LayersModel or an ntk-lab Mlp the forward mode is the engine's own
 * (exact linearisation of every layer rule; a layer on the generic path uses the transpose trick in tfjs); for
 * a pure f(params, x) it is the transpose trick: J u = d/dw <J^T w, u>, two nested tfjs reverse passes.
 * For an MLP this is Theta v = sum_l m_l^2 rowdot(D_l, H_{l-1} (H_{l-1}^T diag(v) D_l)) + bias terms, with no
 * n x n matrix anywhere. Memory: O(n k + P) besides one chunk's pass.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ensureBackend } from '../../backend';
import { CancelledError, InvalidOptionError, NonFiniteError, ShapeError } from '../../errors';
import { assertFiniteVector, largestMagnitude } from '../finite';
import { InputBatch } from '../input';
import { defaultMaxBytes } from '../memory';
import { toBatch, batchShape } from '../jacobian/batch';
import { AutodiffModel, linearise, passChunk } from '../jacobian/linearised';

/** Options of `ntkVp`. */
export interface NtkVpOptions {
  /** Memory budget in bytes (default: half of the available memory); sets the examples per pass. */
  maxBytes?: number;
  /** Called after each pass over a chunk of examples with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Cancels between chunks with a CancelledError. */
  signal?: AbortSignal;
}

function toVector(v: ArrayLike<number> | tf.Tensor, length: number): Float32Array {
  let data: Float32Array;
  if (v instanceof tf.Tensor) {
    if (v.size !== length) throw new ShapeError(`v: expected ${length} values ([n, k] = n k), got a tensor of shape [${v.shape.join(', ')}]`);
    data = Float32Array.from(v.dataSync() as ArrayLike<number>);
  } else {
    if (v.length !== length) throw new ShapeError(`v: expected ${length} values ([n, k] = n k, index i*k + a), got ${v.length}`);
    data = Float32Array.from(v);
  }
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new NonFiniteError(`v: non-finite value ${data[i]} at index ${i}`);
  return data;
}

/**
 * Theta(x, x) v for x: [n, ...inputShape] and v: n k values (index i*k + a, as the 'full' layout's rows);
 * returns the n k values of Theta v (Theta in the 'full' layout, (n k) x (n k), never formed).
 */
export async function ntkVp(model: AutodiffModel, x: InputBatch, v: ArrayLike<number> | tf.Tensor, opts: NtkVpOptions = {}): Promise<Float32Array> {
  await ensureBackend();
  const maxBytes = opts.maxBytes ?? defaultMaxBytes();
  if (!(maxBytes > 0)) throw new InvalidOptionError(`maxBytes must be a positive number of bytes, got ${maxBytes}`);
  let m = null as ReturnType<typeof toBatch> | null;
  const lin = linearise(model, x, () => {
    m = toBatch(x, 'x', batchShape(x, 'x'));
    return { x: m.data, n: m.rows };
  });
  const xb = m ?? toBatch(x, 'x', lin.inputShape);
  const { rows: n, cols: size } = xb;
  const k = lin.k;
  const vec = toVector(v, n * k);
  const chunk = passChunk(lin, n, maxBytes);
  const chunks: [number, number][] = [];
  for (let s = 0; s < n; s += chunk) chunks.push([s, Math.min(n, s + chunk)]);
  const total = 2 * chunks.length;
  let done = 0;
  const step = async (): Promise<void> => {
    opts.onProgress?.(++done, total);
    if (opts.signal?.aborted) throw new CancelledError(`ntkVp cancelled after ${done} of ${total} passes`);
    await new Promise((resolve) => setImmediate(resolve));
  };
  if (opts.signal?.aborted) throw new CancelledError('ntkVp cancelled before it started');

  // u = J^T v, accumulated over chunks of examples.
  let u: Float32Array[] | null = null;
  for (const [s, e] of chunks) {
    const g = lin.vjp(xb.data.subarray(s * size, e * size), e - s, vec.subarray(s * k, e * k));
    if (!u) u = g;
    else g.forEach((t, i) => t.forEach((val, q) => (u![i][q] += val)));
    await step();
  }
  // Theta v = J u, chunk by chunk.
  const out = new Float32Array(n * k);
  for (const [s, e] of chunks) {
    out.set(lin.jvp(xb.data.subarray(s * size, e * size), e - s, u!), s * k);
    await step();
  }
  assertFiniteVector(out, 'ntkVp', k, () => largestMagnitude(xb.data, vec));
  return out;
}
