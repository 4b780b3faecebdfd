/**
 * Any pure function f(params, x) -> [n, ...] of tfjs ops: per-example Jacobians by one tfjs reverse pass per
 * (example, output), the generic route when no layer structure is known. Memory: the rows k x P of each example.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, UnsupportedModelError } from '../../errors';
import { Factor } from './factors';
import { sizeOf } from './ops/types';

/** A model given as a pure function of its parameters and a batch, with the parameter values to linearise at. */
export interface PureModel {
  /** f(params, x): x [n, ...inputShape] -> [n, ...outputShape]; must treat examples independently. */
  apply(params: tf.Tensor[], x: tf.Tensor): tf.Tensor;
  /** The parameter tensors, in the order `apply` takes them. */
  params: readonly tf.Tensor[];
  /** Component labels (default 'param0', 'param1', ...). */
  paramLabels?: readonly string[];
}

/** True for an object with `apply` and `params` (a PureModel). */
export function isPureModel(m: unknown): m is PureModel {
  return typeof m === 'object' && m !== null && typeof (m as PureModel).apply === 'function' && Array.isArray((m as PureModel).params);
}

const BATCH_TOLERANCE = 1e-4;

/** Labels of a pure model's parameters, checked against their number. */
export function pureLabels(m: PureModel): string[] {
  if (m.params.length === 0) throw new UnsupportedModelError('the function has no parameters (params is empty): its NTK is zero');
  const labels = m.paramLabels ? [...m.paramLabels] : m.params.map((_, i) => `param${i}`);
  if (labels.length !== m.params.length) throw new InvalidOptionError(`paramLabels has ${labels.length} labels for ${m.params.length} params`);
  return labels;
}

/** Per-example output shape of f (on flat x [n, size] viewed as [n, ...shape]); refuses batch-dependent functions. */
export function probePure(m: PureModel, x: Float32Array, n: number, shape: number[]): number[] {
  const size = sizeOf(shape);
  return tf.tidy(() => {
    const rows = Math.min(n, 2);
    const xb = tf.tensor(x.subarray(0, rows * size), [rows, ...shape]);
    const y = m.apply([...m.params], xb);
    if (y.shape[0] !== rows) throw new UnsupportedModelError(`f(params, x) returned shape [${y.shape.join(', ')}] for ${rows} examples; it must keep the batch axis first`);
    const k = y.size / rows;
    if (rows === 2) {
      const y0 = m.apply([...m.params], tf.slice(xb, 0, 1)).dataSync();
      const yb = y.dataSync();
      let diff = 0;
      let scale = 0;
      for (let a = 0; a < k; a++) {
        diff = Math.max(diff, Math.abs(y0[a] - yb[a]));
        scale = Math.max(scale, Math.abs(yb[a]));
      }
      if (diff > BATCH_TOLERANCE * Math.max(scale, 1)) {
        throw new UnsupportedModelError(
          'f(params, x): the output of an example depends on the other examples of the batch (as BatchNormalization in training mode); ' +
            'the NTK is defined for per-example outputs',
        );
      }
    }
    return y.shape.slice(1);
  });
}

/** Per-example gradients of every parameter, one 'rows' factor per tensor: [(n k), size], k = prod(outShape). */
export function pureFactors(m: PureModel, x: Float32Array, n: number, shape: number[], outShape: number[]): Factor[] {
  const size = sizeOf(shape);
  const k = sizeOf(outShape);
  const sizes = m.params.map((p) => p.size);
  const rows = sizes.map((s) => new Float32Array(n * k * s));
  const oneHot = new Float32Array(k);
  try {
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < k; a++) {
        oneHot.fill(0);
        oneHot[a] = 1;
        tf.tidy(() => {
          const xi = tf.tensor(x.subarray(i * size, (i + 1) * size), [1, ...shape]);
          const gs = tf.grads((...ps: tf.Tensor[]) => m.apply(ps, xi))([...m.params], tf.tensor(oneHot, [1, ...outShape]));
          gs.forEach((g, t) => rows[t].set(g.dataSync() as Float32Array, (i * k + a) * sizes[t]));
        });
      }
    }
  } catch (e) {
    if (e instanceof Error && /not registered for backend/.test(e.message)) {
      throw new UnsupportedModelError(`f(params, x): tfjs cannot differentiate it on this backend (${e.message}); try useBackend('cpu')`);
    }
    throw e;
  }
  return rows.map((g, t): Factor => ({ kind: 'rows', n, k, g, cols: sizes[t] }));
}
