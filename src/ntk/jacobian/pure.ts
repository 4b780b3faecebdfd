/**
 * Any pure function f(params, x) -> [n, ...] of tfjs ops: per-example Jacobians, the generic route when no layer
 * structure is known. Two routes, chosen by `planPure`: 'batched' (pure-batched.ts: one tfjs reverse pass per block
 * of examples x outputs, for f that accepts parameters with a leading row axis) and 'per-example' (one tfjs
 * reverse pass per (example, output), for any f). Memory: the rows k x P of each example.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, UnsupportedModelError } from '../../errors';
import { Factor } from './factors';
import { sizeOf } from './ops/types';
import { batchedBytesPerExample, probeBatched, pureFactorsBatched, releaseFailedTape } from './pure-batched';

/**
 * How per-example gradients of a pure function are formed. 'auto' (default): 'batched' when f passes the probe
 * (parameters [rows, ...shape] give row r = f(params_r, x_r)), else 'per-example'. 'batched': that, or an
 * UnsupportedModelError naming why not. 'per-example': one reverse pass per example and output (any f; slow).
 */
export type PureRoute = 'auto' | 'batched' | 'per-example';

/** A model given as a pure function of its parameters and a batch, with the parameter values to linearise at. */
export interface PureModel {
  /** f(params, x): x [n, ...inputShape] -> [n, ...outputShape]; must treat examples independently. */
  apply(params: tf.Tensor[], x: tf.Tensor): tf.Tensor;
  /** The parameter tensors, in the order `apply` takes them. */
  params: readonly tf.Tensor[];
  /** Component labels (default 'param0', 'param1', ...). */
  paramLabels?: readonly string[];
  /** How per-example gradients are formed (default 'auto'; see PureRoute). */
  route?: PureRoute;
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

/** The route taken for a pure function, its reason and the bytes per example of one pass. */
export interface PurePlan {
  outShape: number[];
  route: 'batched' | 'per-example';
  /** Why that route, for the kernel's provenance. */
  why: string;
  passBytesPerExample: number;
}

/** Probes f on the first examples of x (flat [n, size]) and chooses its route (see PureRoute). */
export function planPure(m: PureModel, x: Float32Array, n: number, shape: number[]): PurePlan {
  const asked = m.route ?? 'auto';
  if (asked !== 'auto' && asked !== 'batched' && asked !== 'per-example') throw new InvalidOptionError(`route: expected 'auto', 'batched' or 'per-example', got '${String(asked)}'`);
  const outShape = probePure(m, x, n, shape);
  const k = sizeOf(outShape);
  const perExample = (why: string): PurePlan => ({ outShape, route: 'per-example', why, passBytesPerExample: 4 * (sizeOf(shape) + k) * 4 });
  if (asked === 'per-example') return perExample('one tfjs reverse pass per example and output (route asked for)');
  const probe = probeBatched(m, x, n, shape, outShape);
  if (probe.reason !== null) {
    if (asked === 'batched') throw new UnsupportedModelError(`f(params, x): route 'batched' asked for, but ${probe.reason}`);
    return perExample(`one tfjs reverse pass per example and output (auto: not batched, since ${probe.reason})`);
  }
  return {
    outShape,
    route: 'batched',
    why: `batched reverse mode: one tfjs reverse pass per block of examples x ${k} outputs, parameters given a leading row axis (${asked === 'auto' ? 'auto: f passed the probe' : 'asked for'})`,
    passBytesPerExample: batchedBytesPerExample(m.params, k, probe),
  };
}

/** Per-example gradients of every parameter by the planned route, one 'rows' factor per tensor: [(n k), size]. */
export function pureFactors(m: PureModel, x: Float32Array, n: number, shape: number[], plan: PurePlan): Factor[] {
  try {
    return plan.route === 'batched' ? pureFactorsBatched(m, x, n, shape, plan.outShape) : pureFactorsPerExample(m, x, n, shape, plan.outShape);
  } catch (e) {
    releaseFailedTape();
    if (e instanceof Error && /not registered for backend/.test(e.message)) {
      throw new UnsupportedModelError(`f(params, x): tfjs cannot differentiate it on this backend (${e.message}); try useBackend('cpu')`);
    }
    throw e;
  }
}

/** Per-example gradients of every parameter, one reverse pass per (example, output): 'rows' factors [(n k), size]. */
function pureFactorsPerExample(m: PureModel, x: Float32Array, n: number, shape: number[], outShape: number[]): Factor[] {
  const size = sizeOf(shape);
  const k = sizeOf(outShape);
  const sizes = m.params.map((p) => p.size);
  const rows = sizes.map((s) => new Float32Array(n * k * s));
  const oneHot = new Float32Array(k);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      oneHot.fill(0);
      oneHot[a] = 1;
      // Disposed by hand rather than by tf.tidy (a tidy around tf.grads is slower on tfjs-wasm: pure-batched.ts).
      const xi = tf.tensor(x.subarray(i * size, (i + 1) * size), [1, ...shape]);
      const dy = tf.tensor(oneHot, [1, ...outShape]);
      let gs: tf.Tensor[] = [];
      try {
        gs = tf.grads((...ps: tf.Tensor[]) => m.apply(ps, xi))([...m.params], dy);
        gs.forEach((g, t) => rows[t].set(g.dataSync() as Float32Array, (i * k + a) * sizes[t]));
      } finally {
        tf.dispose([xi, dy, ...gs]);
      }
    }
  }
  return rows.map((g, t): Factor => ({ kind: 'rows', n, k, g, cols: sizes[t] }));
}
