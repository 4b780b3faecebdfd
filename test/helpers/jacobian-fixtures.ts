/**
 * The JAX float64 fixtures of the Jacobian-method tests (test/fixtures/jacobian*, made by
 * test/fixtures/make_jacobian_fixtures.py): their JSON shape, loading, the tfjs model they describe with their
 * weights, and the comparison of an ntkLayerwise result (NTK and every component) with them. Independent of
 * src/ntk: the references are JAX's kernels or central differences of model.predict.
 */
import { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerwiseNtk } from '../../src/ntk';
import { fromFull, relFrobenius } from './finite-differences';

export type LayerSpec = { class: string; name: string } & Record<string, unknown>;
export interface Values {
  shape: number[];
  values: number[];
}
export type Layouts = { full: number[]; trace: number[] };
export type Pair = 'x1x1' | 'x1x2';
export type Layout = 'full' | 'trace' | 'diagonal';
export interface Fixture {
  /** Absent in the single-model fixtures (attention, residual), whose network is built in the test. */
  name?: string;
  k: number;
  /** A Sequential's layers; empty or absent for a functional model built in the test. */
  layers?: LayerSpec[];
  weights: Record<string, Values>;
  x1: Values;
  x2: Values;
  ntk: Record<Pair, Layouts>;
  components: Record<Pair, Record<string, Layouts>>;
}

const root = path.resolve(__dirname, '../../../test/fixtures');

/** The fixture at test/fixtures/<rel> (e.g. 'jacobian-layers/conv_batchnorm_dense_k2.json'). */
export function loadFixture(rel: string): Fixture {
  return JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8')) as Fixture;
}

/** Every fixture of test/fixtures/<dir>, by file name order. */
export function loadFixtures(dir: string): Fixture[] {
  return fs
    .readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => loadFixture(path.join(dir, f)));
}

const LAYERS: Record<string, (a: never) => tfl.layers.Layer> = {
  Conv1D: tfl.layers.conv1d,
  Conv2D: tfl.layers.conv2d,
  DepthwiseConv2D: tfl.layers.depthwiseConv2d,
  SeparableConv2D: tfl.layers.separableConv2d,
  Conv2DTranspose: tfl.layers.conv2dTranspose,
  MaxPooling2D: tfl.layers.maxPooling2d,
  BatchNormalization: tfl.layers.batchNormalization,
  LayerNormalization: tfl.layers.layerNormalization,
  Activation: tfl.layers.activation,
  Embedding: tfl.layers.embedding,
  Flatten: tfl.layers.flatten,
  Dense: tfl.layers.dense,
};

/** One layer of a fixture's Sequential, its Keras class name mapped to the tfjs factory. */
function fixtureLayer(s: LayerSpec): tfl.layers.Layer {
  const { class: cls, ...args } = s;
  const make = LAYERS[cls];
  if (!make) throw new Error(`fixture layer class ${cls}`);
  return make(args as never);
}

/** Sets the model's weights (model.weights' order: trainable ones, then moving statistics) from the fixture's, by '<layer>/<weight>'. */
export function setFixtureWeights(model: tfl.LayersModel, fx: Fixture): void {
  const tensors = model.weights.map((w) => {
    const ref = fx.weights[w.originalName];
    assert.ok(ref, `${fx.name ?? ''}: weight ${w.originalName} in the fixture`);
    assert.deepEqual(w.shape, ref.shape, `${fx.name ?? ''}: shape of ${w.originalName}`);
    return tf.tensor(ref.values, ref.shape);
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
}

/** The fixture's network with its weights: its Sequential layers, or (a functional model) what `functional` builds. */
export function buildFixtureModel(fx: Fixture, functional?: () => tfl.LayersModel): tfl.LayersModel {
  let model: tfl.LayersModel;
  if (fx.layers?.length) model = tfl.sequential({ layers: fx.layers.map(fixtureLayer) });
  else if (functional) model = functional();
  else throw new Error(`fixture ${fx.name ?? ''} has no layers and no functional builder was given`);
  setFixtureWeights(model, fx);
  return model;
}

/** Runs fn on a model and the fixture's inputs x1, x2, disposing them after; asserts the tensor count is back to its start. */
export async function withFixtureModel<M extends { dispose(): unknown }>(
  fx: Fixture,
  build: () => M,
  fn: (model: M, x1: tf.Tensor, x2: tf.Tensor) => Promise<void>,
): Promise<void> {
  const start = tf.memory().numTensors;
  const model = build();
  const x1 = tf.tensor(fx.x1.values, fx.x1.shape);
  const x2 = tf.tensor(fx.x2.values, fx.x2.shape);
  try {
    await fn(model, x1, x2);
  } finally {
    model.dispose();
    tf.dispose([x1, x2]);
  }
  assert.equal(tf.memory().numTensors, start, `${fx.name ?? 'fixture'}: tensors back to their start`);
}

/** The fixture's reference of one tensor (or the NTK) in a layout; 'diagonal' ([n1, n2] per output pair a = b) from 'full'. */
export function fixtureReference(ref: Layouts, layout: Layout, n1: number, n2: number, k: number): ArrayLike<number> {
  if (layout === 'diagonal') return fromFull(Float64Array.from(ref.full), n1, n2, k, 'diagonal');
  return ref[layout];
}

/**
 * Asserts r's NTK and every component within tol (relative Frobenius) of the fixture's for that pair and layout,
 * with the same set of component labels; returns the worst component error.
 */
export function assertMatchesFixture(r: LayerwiseNtk, fx: Fixture, pair: Pair, layout: Layout, tol: number, what = ''): number {
  const n1 = fx.x1.shape[0];
  const n2 = pair === 'x1x1' ? n1 : fx.x2.shape[0];
  const refs = fx.components[pair];
  const e = relFrobenius(r.ntk.values, fixtureReference(fx.ntk[pair], layout, n1, n2, fx.k));
  assert.ok(e <= tol, `${what} ${pair} ${layout} NTK: ${e}`);
  assert.deepEqual(r.components.map((c) => c.label).sort(), Object.keys(refs).sort(), `${what} ${pair} ${layout}: component labels`);
  let worst = 0;
  for (const c of r.components) {
    const ec = relFrobenius(c.values, fixtureReference(refs[c.label], layout, n1, n2, fx.k));
    worst = Math.max(worst, ec);
    assert.ok(ec <= tol, `${what} ${pair} ${layout} ${c.label}: ${ec}`);
  }
  return worst;
}

/**
 * For both pairs (symmetric x1 x1, cross x1 x2) and each layout: run(x2 or undefined, layout) checked by
 * assertMatchesFixture; reports and returns the worst component error.
 */
export async function assertAllMatchFixture(
  t: TestContext,
  fx: Fixture,
  x2: tf.Tensor,
  layouts: readonly Layout[],
  tol: number,
  run: (x2: tf.Tensor | undefined, layout: Layout) => Promise<LayerwiseNtk>,
  what = '',
): Promise<number> {
  let worst = 0;
  for (const pair of ['x1x1', 'x1x2'] as const) {
    for (const layout of layouts) {
      const r = await run(pair === 'x1x2' ? x2 : undefined, layout);
      worst = Math.max(worst, assertMatchesFixture(r, fx, pair, layout, tol, what));
    }
  }
  t.diagnostic(`${what ? `${what}: ` : ''}worst component relative error ${worst.toExponential(2)}`);
  return worst;
}

/** K v for a row-major m x m kernel (float64 sums): the reference of ntkVp. */
export function kernelTimes(K: ArrayLike<number>, v: ArrayLike<number>, m: number): Float64Array {
  const kv = new Float64Array(m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) kv[a] += K[a * m + b] * v[b];
  return kv;
}

/**
 * One weight tensor's NTK component ('full', [n k, n k]) from J of central differences of model.predict
 * (float32) with one Richardson step, (4 D(h/2) - D(h)) / 3 at h = 2e-2, contracted to J J^T. Error budget:
 * truncation O(h^4) ~ 1e-7 for smooth networks; float32 rounding of outputs of size ~1 is ~6e-8 / h ~ 1e-5 per
 * Jacobian entry, more where a tensor's Jacobian is small against the outputs (a bias feeding a normalisation):
 * measured 1.4e-5 to 4.3e-4 per model's worst component, hence tests at 1e-3.
 */
export function fdComponent(model: tfl.LayersModel, layerName: string, index: number, x: tf.Tensor, n: number, k: number): Float64Array {
  const lyr = model.getLayer(layerName);
  // Copies: getWeights() returns the variables themselves, whose values setWeights replaces.
  const saved = lyr.getWeights().map((t) => ({ values: Float32Array.from(t.dataSync()), shape: t.shape }));
  const set = (values: (i: number) => Float32Array): void => {
    const p = saved.map((w, i) => tf.tensor(values(i), w.shape));
    lyr.setWeights(p);
    tf.dispose(p);
  };
  const base = saved[index].values;
  const size = base.length;
  const J = new Float64Array(n * k * size);
  const predictAt = (c: number, v: number): Float32Array => {
    const w = Float32Array.from(base);
    w[c] = v;
    set((i) => (i === index ? w : saved[i].values));
    return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array).slice();
  };
  /** (f(w + h) - f(w - h)) / (the float32 step actually applied), output q. */
  const central = (c: number, h: number): Float64Array => {
    const up = Math.fround(base[c] + h);
    const down = Math.fround(base[c] - h);
    const [a, b] = [predictAt(c, up), predictAt(c, down)];
    return Float64Array.from(a, (v, q) => (v - b[q]) / (up - down));
  };
  const h = 2e-2;
  for (let c = 0; c < size; c++) {
    const d1 = central(c, h);
    const d2 = central(c, h / 2);
    for (let q = 0; q < n * k; q++) J[q * size + c] = (4 * d2[q] - d1[q]) / 3;
  }
  set((i) => saved[i].values);
  const K = new Float64Array(n * k * n * k);
  for (let a = 0; a < n * k; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let c = 0; c < size; c++) s += J[a * size + c] * J[b * size + c];
      K[a * n * k + b] = s;
      K[b * n * k + a] = s;
    }
  return K;
}
