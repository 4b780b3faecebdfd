/**
 * The models the autodiff methods accept, behind one interface: a tf.LayersModel or an ntk-lab Mlp (run by the
 * engine, with per-layer rules), or a pure function f(params, x) (run by tfjs: one reverse pass per block of
 * examples and outputs, or per example and output, pure.ts). Each gives per-example gradient factors for a batch, J^T v and J u.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedModelError } from '../../errors';
import { Mlp } from '../../models';
import { InputBatch } from '../input';
import { batchShape } from './batch';
import { Engine, oneHotCotangents } from './engine';
import { Factor, factorSize } from './factors';
import { Graph, buildGraph } from './graph';
import { PureModel, PurePlan, isPureModel, planPure, pureFactors, pureLabels } from './pure';
import { sizeOf } from './ops/types';

/** Any model of the autodiff methods. */
export type AutodiffModel = Mlp | tfl.LayersModel | PureModel;

export interface Linearised {
  inputShape: number[];
  /** Outputs per example. */
  k: number;
  /** One label per parameter tensor, in order. */
  labels: string[];
  /** What was linearised and how, for the kernel's provenance. */
  description: string;
  /** Bytes of one forward + reverse pass per example (besides the factors). */
  passBytesPerExample: number;
  /** The engine's graph (models run by layer rules; absent for pure functions): its FLOPs are countable and its routes settable. */
  graph?: Graph;
  /** Per-example gradient factors of examples x [n, size] (flat), one per parameter tensor. */
  factors(x: Float32Array, n: number): Factor[];
  /** J^T v summed over the examples of x, v: [n, k]; one flat array per parameter tensor. */
  vjp(x: Float32Array, n: number, v: Float32Array): Float32Array[];
  /** J u for the examples of x and parameter tangents u: [n, k]. */
  jvp(x: Float32Array, n: number, u: Float32Array[]): Float32Array;
}

function fromGraph(model: tfl.LayersModel, description?: string): Linearised {
  const graph = buildGraph(model);
  const engine = new Engine(graph);
  const k = graph.k;
  return {
    inputShape: graph.inputShape,
    k,
    labels: graph.params.map((p) => p.label),
    description: `${description ?? graph.description}; per-example gradients by layer rules (one reverse pass per chunk of examples)`,
    passBytesPerExample: engine.bytesPerExample(k),
    graph,
    factors(x, n) {
      try {
        engine.forward(x, n);
        return engine.backward(oneHotCotangents(n, k), k, 'factors').factors;
      } finally {
        engine.release();
      }
    },
    vjp(x, n, v) {
      try {
        engine.forward(x, n);
        return engine.backward(v, 1, 'sum').sums;
      } finally {
        engine.release();
      }
    },
    jvp(x, n, u) {
      try {
        engine.forward(x, n);
        return engine.jvp(u);
      } finally {
        engine.release();
      }
    },
  };
}

function fromPure(m: PureModel, x1: InputBatch): { lin: Linearised; probe: (x: Float32Array, n: number) => void } {
  const labels = pureLabels(m);
  const inputShape = batchShape(x1, 'x1');
  let plan: PurePlan | null = null;
  let outShape: number[] | null = null;
  const P = m.params.reduce((a, p) => a + p.size, 0);
  const tensors = (x: Float32Array, n: number): tf.Tensor => tf.tensor(x, [n, ...inputShape]);
  const lin: Linearised = {
    inputShape,
    k: 0,
    labels,
    description: '',
    passBytesPerExample: 0,
    factors: (x, n) => pureFactors(m, x, n, inputShape, plan!),
    vjp: (x, n, v) =>
      tf.tidy(() => {
        const xt = tensors(x, n);
        const gs = tf.grads((...ps: tf.Tensor[]) => m.apply(ps, xt))([...m.params], tf.tensor(v, [n, ...outShape!]));
        return gs.map((g) => Float32Array.from(g.dataSync() as Float32Array));
      }),
    jvp: (x, n, u) =>
      tf.tidy(() => {
        const xt = tensors(x, n);
        const ut = u.map((t, i) => tf.tensor(t, m.params[i].shape));
        // The transpose trick: w -> <J^T w, u> is linear in w, and its gradient is J u.
        const inner = (w: tf.Tensor): tf.Scalar => {
          const gs = tf.grads((...ps: tf.Tensor[]) => m.apply(ps, xt))([...m.params], w);
          return tf.addN(gs.map((g, i) => tf.sum(tf.mul(g, ut[i])))) as tf.Scalar;
        };
        return Float32Array.from(tf.grad(inner)(tf.zeros([n, ...outShape!])).dataSync() as Float32Array);
      }),
  };
  const probe = (x: Float32Array, n: number): void => {
    plan = planPure(m, x, n, inputShape);
    outShape = plan.outShape;
    lin.k = sizeOf(outShape);
    lin.passBytesPerExample = plan.passBytesPerExample;
    lin.description = `f(params, x) with ${m.params.length} parameter tensors (${P} parameters); per-example gradients by ${plan.why}`;
  };
  return { lin, probe };
}

/**
 * The Linearised view of `model` for inputs like x1; `first` = the first examples of x1 (flat), used to probe a
 * pure function (its output shape, batch independence). Throws UnsupportedModelError for models it cannot follow.
 */
export function linearise(model: AutodiffModel, x1: InputBatch, first: () => { x: Float32Array; n: number }): Linearised {
  if (model instanceof Mlp) return fromGraph(model.model, `ntk-lab Mlp: ${model.description}`);
  if (model instanceof tfl.LayersModel) return fromGraph(model);
  if (isPureModel(model)) {
    const { lin, probe } = fromPure(model, x1);
    const { x, n } = first();
    probe(x, n);
    return lin;
  }
  throw new UnsupportedModelError('not a model: expected an ntk-lab Mlp, a tf.LayersModel, or { apply(params, x), params } (a pure function)');
}

/**
 * Bytes one pass (forward + reverse) may hold: 32 MB, so that its arrays come from recycled heap memory rather
 * than fresh pages (page faults cost as much as the products here), and never more than an eighth of maxBytes.
 */
const PASS_BYTES = 1 << 25;

/** Examples per pass for `rows` examples: as many as PASS_BYTES (and maxBytes / 8) allow, at least 1. */
export function passChunk(lin: Linearised, rows: number, maxBytes: number): number {
  const per = Math.max(1, lin.passBytesPerExample);
  return Math.max(1, Math.min(rows, Math.floor(Math.min(PASS_BYTES, maxBytes / 8) / per)));
}

/** Bytes of the factors of one example (measured on the given example). */
export function factorBytesPerExample(lin: Linearised, x: Float32Array): number {
  return 4 * lin.factors(x, 1).reduce((s, f) => s + factorSize(f), 0);
}
