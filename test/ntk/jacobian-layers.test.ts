/**
 * DepthwiseConv2D, SeparableConv2D, Conv2DTranspose and LayerNormalization on the Jacobian method's fast path
 * (issue 19 item 3): ops of their own, no layer on the generic per-example tfjs path. Four Sequential models and
 * one functional model mixing them, against JAX float64 fixtures (test/fixtures/jacobian-layers2/, made by
 * test/fixtures/make_jacobian_fixtures.py): NTK and every component within 1e-5 (relative Frobenius) in the
 * full, trace and diagonal layouts, symmetric and cross; each new layer's components against central finite
 * differences of the tfjs model's own float32 predictions; ntkVp (reverse sums, forward mode) against K v; the
 * FLOP count (ntkCost) of the new ops. tf.memory().numTensors returns to its start.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { chooseNtkMethod, ntkCost, ntkLayerwise, ntkVp } from '../../src/ntk';
import { buildGraph } from '../../src/ntk/jacobian/graph';
import { ConvTransposeOp } from '../../src/ntk/jacobian/ops/conv-transpose';
import { DepthwiseOp } from '../../src/ntk/jacobian/ops/depthwise';
import { LayerNormOp } from '../../src/ntk/jacobian/ops/layer-norm';
import { LinearOp } from '../../src/ntk/jacobian/ops/linear';
import { TfLayerOp } from '../../src/ntk/jacobian/ops/tf-layer';
import { Rng } from '../../src/random';
import { fromFull, relFrobenius } from '../helpers/finite-differences';
import { setupBackend } from '../helpers/setup';

type LayerSpec = { class: string; name: string } & Record<string, unknown>;
interface Values {
  shape: number[];
  values: number[];
}
type Layouts = { full: number[]; trace: number[] };
interface Fixture {
  name: string;
  k: number;
  layers: LayerSpec[];
  weights: Record<string, Values>;
  x1: Values;
  x2: Values;
  ntk: Record<'x1x1' | 'x1x2', Layouts>;
  components: Record<'x1x1' | 'x1x2', Record<string, Layouts>>;
}

const dir = path.resolve(__dirname, '../../../test/fixtures/jacobian-layers2');
const load = (name: string): Fixture => JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8')) as Fixture;

/** Each fixture, the layers whose parameters are checked by finite differences, and the op kinds it must contain. */
const CASES = [
  { name: 'depthwise_k2', fd: ['dw1', 'dw2'], kinds: [DepthwiseOp] },
  { name: 'separable_k2', fd: ['sep1', 'sep2'], kinds: [DepthwiseOp, LinearOp] },
  { name: 'transpose_k2', fd: ['up1', 'up2'], kinds: [ConvTransposeOp] },
  { name: 'layernorm_k2', fd: ['ln1', 'ln2'], kinds: [LayerNormOp] },
  { name: 'mixed_functional_k2', fd: ['sep', 'dw', 'ln', 'up'], kinds: [DepthwiseOp, LinearOp, LayerNormOp, ConvTransposeOp] },
] as const;

function layer(s: LayerSpec): tfl.layers.Layer {
  const { class: cls, ...args } = s;
  const make: Record<string, (a: never) => tfl.layers.Layer> = {
    DepthwiseConv2D: tfl.layers.depthwiseConv2d,
    SeparableConv2D: tfl.layers.separableConv2d,
    Conv2DTranspose: tfl.layers.conv2dTranspose,
    LayerNormalization: tfl.layers.layerNormalization,
    Activation: tfl.layers.activation,
    Flatten: tfl.layers.flatten,
    Dense: tfl.layers.dense,
  };
  if (!make[cls]) throw new Error(`fixture layer class ${cls}`);
  return make[cls](args as never);
}

/** The functional fixture's network (make_mixed in the fixture script). */
function mixed(): tfl.LayersModel {
  const S = (t: tfl.SymbolicTensor | tfl.SymbolicTensor[] | tf.Tensor | tf.Tensor[]): tfl.SymbolicTensor => t as tfl.SymbolicTensor;
  const input = tfl.input({ shape: [4, 4, 3] });
  const a = S(tfl.layers.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh', name: 'sep' }).apply(input));
  const b = S(tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'tanh', name: 'dw' }).apply(input));
  const c = S(tfl.layers.concatenate({ name: 'cat' }).apply([a, b]));
  const d = S(tfl.layers.layerNormalization({ scale: false, epsilon: 1e-3, name: 'ln' }).apply(c));
  const e = S(tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 3, padding: 'valid', activation: 'tanh', name: 'up' }).apply(d));
  const gap = S(tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(e));
  const flat = S(tfl.layers.flatten({ name: 'flat' }).apply(d));
  const cat = S(tfl.layers.concatenate({ name: 'cat2' }).apply([gap, flat]));
  return tfl.model({ inputs: input, outputs: S(tfl.layers.dense({ units: 2, name: 'head' }).apply(cat)) });
}

function build(fx: Fixture): tfl.LayersModel {
  const model = fx.layers.length ? tfl.sequential({ layers: fx.layers.map(layer) }) : mixed();
  const tensors = model.weights.map((w) => {
    const ref = fx.weights[w.originalName];
    assert.ok(ref, `${fx.name}: weight ${w.originalName} in the fixture`);
    assert.deepEqual(w.shape, ref.shape, `${fx.name}: shape of ${w.originalName}`);
    return tf.tensor(ref.values, ref.shape);
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

/** Runs fn on the fixture's model and inputs, disposing them after; asserts the tensor count is back to its start. */
async function withModel(fx: Fixture, fn: (model: tfl.LayersModel, x1: tf.Tensor, x2: tf.Tensor) => Promise<void>): Promise<void> {
  const start = tf.memory().numTensors;
  const model = build(fx);
  const x1 = tf.tensor(fx.x1.values, fx.x1.shape);
  const x2 = tf.tensor(fx.x2.values, fx.x2.shape);
  try {
    await fn(model, x1, x2);
  } finally {
    model.dispose();
    tf.dispose([x1, x2]);
  }
  assert.equal(tf.memory().numTensors, start, `${fx.name}: tensors back to their start`);
}

before(setupBackend);

test('no layer takes the generic tfjs path; the new ops are in the graph and in the plan', async () => {
  for (const c of CASES) {
    const fx = load(c.name);
    await withModel(fx, async (model) => {
      const g = buildGraph(model);
      assert.equal(g.nodes.filter((n) => n.op instanceof TfLayerOp).length, 0, `${c.name}: generic ops`);
      for (const kind of c.kinds) assert.ok(g.nodes.some((n) => n.op instanceof kind), `${c.name}: a ${kind.name}`);
      assert.deepEqual([...g.params.map((p) => p.label)].sort(), Object.keys(fx.components.x1x1).sort(), `${c.name}: parameter tensors`);
      const choice = chooseNtkMethod(model, 5, undefined, { method: 'auto' });
      assert.equal(choice.method, 'jacobian');
      const planned = new Set(choice.plan!.layers.flatMap((l) => l.labels));
      for (const label of g.params.map((p) => p.label)) assert.ok(planned.has(label), `${c.name}: ${label} counted by the plan`);
    });
  }
});

test('NTK and every component within 1e-5 of JAX (float64), full/trace/diagonal, symmetric and cross', async (t) => {
  for (const c of CASES) {
    const fx = load(c.name);
    await withModel(fx, async (model, x1, x2) => {
      let worst = 0;
      for (const pair of ['x1x1', 'x1x2'] as const) {
        const n1 = fx.x1.shape[0];
        const n2 = pair === 'x1x1' ? n1 : fx.x2.shape[0];
        for (const layout of ['full', 'trace', 'diagonal'] as const) {
          const r = await ntkLayerwise(model, x1, pair === 'x1x2' ? x2 : undefined, { method: 'jacobian', outputs: layout });
          const ref = (l: Layouts): ArrayLike<number> => (layout === 'diagonal' ? fromFull(Float64Array.from(l.full), n1, n2, fx.k, 'diagonal') : l[layout]);
          const e = relFrobenius(r.ntk.values, ref(fx.ntk[pair]));
          assert.ok(e <= 1e-5, `${c.name} ${pair} ${layout} NTK: ${e}`);
          assert.equal(r.components.length, Object.keys(fx.components[pair]).length);
          for (const comp of r.components) {
            const ec = relFrobenius(comp.values, ref(fx.components[pair][comp.label]));
            worst = Math.max(worst, ec);
            assert.ok(ec <= 1e-5, `${c.name} ${pair} ${layout} ${comp.label}: ${ec}`);
          }
        }
      }
      t.diagnostic(`${c.name}: worst component relative error ${worst.toExponential(2)}`);
    });
  }
});

/**
 * J of one weight tensor by central differences of model.predict (float32) with one Richardson step,
 * (4 D(h/2) - D(h)) / 3 at h = 2e-2, contracted to J J^T ('full'). Error budget: truncation O(h^4) ~ 1e-7 for
 * these smooth networks; float32 rounding of outputs of size ~1 is ~6e-8 / h ~ 1e-5 per Jacobian entry, more
 * where a tensor's Jacobian is small against the outputs (a bias feeding a normalisation): measured 1.4e-5 to
 * 4.3e-4 per model's worst component, hence 1e-3 (a float64 route is the JAX fixture, at 1e-5).
 */
function fdComponent(model: tfl.LayersModel, layerName: string, index: number, x: tf.Tensor, n: number, k: number): Float64Array {
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

test("each new layer's components equal central finite differences of the tfjs model's own predictions (1e-3)", async (t) => {
  for (const c of CASES) {
    const fx = load(c.name);
    await withModel(fx, async (model, x1) => {
      const n = fx.x1.shape[0];
      const r = await ntkLayerwise(model, x1, undefined, { method: 'jacobian', outputs: 'full' });
      let worst = 0;
      for (const name of c.fd) {
        const lyr = model.getLayer(name);
        lyr.weights.forEach((w, index) => {
          const label = w.originalName;
          const K = fdComponent(model, name, index, x1, n, fx.k);
          const comp = r.components.find((q) => q.label === label);
          assert.ok(comp, `${c.name}: component ${label}`);
          const e = relFrobenius(comp.values, K);
          worst = Math.max(worst, e);
          assert.ok(e <= 1e-3, `${c.name} ${label}: ${e}`);
        });
      }
      t.diagnostic(`${c.name}: worst finite-difference relative error ${worst.toExponential(2)}`);
    });
  }
});

test('ntkVp (reverse sums and forward mode through the new ops) equals K v', async () => {
  for (const c of CASES) {
    const fx = load(c.name);
    await withModel(fx, async (model, x1) => {
      const n = fx.x1.shape[0];
      const k = fx.k;
      const v = new Rng(7).normals32(n * k);
      const full = Float64Array.from(fx.ntk.x1x1.full);
      const kv = new Float64Array(n * k);
      for (let a = 0; a < n * k; a++) for (let b = 0; b < n * k; b++) kv[a] += full[a * n * k + b] * v[b];
      const tv = await ntkVp(model, x1, v);
      assert.ok(relFrobenius(tv, kv) <= 1e-5, `${c.name}: ${relFrobenius(tv, kv)}`);
    });
  }
});

test('ntkCost counts the new ops: pass FLOPs as counted by hand for these shapes, minimal <= executed', async () => {
  const fx = load('mixed_functional_k2');
  await withModel(fx, async (model) => {
    const n = 6;
    const cost = ntkCost(model, n, undefined, { outputs: 'trace' });
    const by = (label: string) => cost.layers.find((l) => l.labels[0] === label)!;
    // The ops multiply padded zeros too, so every tap of every output counts. dw: 4x4 outputs 'same' 3x3 on 3 channels, multiplier 1: 16 * 9 * 3; its input is the model input (no cotangent).
    assert.equal(by('dw/depthwise_kernel').passFlops, 2 * n * 16 * 9 * 3);
    // up: 16 input positions of 7 channels, each scattered onto 2x2x2 outputs; its input needs a cotangent (k = 2).
    assert.equal(by('up/kernel').passFlops, 2 * n * 16 * 7 * 8 * (1 + 2));
    for (const l of cost.layers) assert.ok(l.minimalFlops <= l.executedFlops * (1 + 1e-12), `${l.layer}: minimal ${l.minimalFlops} > executed ${l.executedFlops}`);
    assert.ok(cost.plan.includes('dw/depthwise_kernel: per-example gradients'), cost.plan);
  });
});

test('a frozen DepthwiseConv2D / Conv2DTranspose is a constant: the NTK is the JAX sum of the other components', async () => {
  for (const [name, frozen] of [['depthwise_k2', 'dw1'], ['transpose_k2', 'up2']] as const) {
    const fx = load(name);
    await withModel(fx, async (model, x1, x2) => {
      model.getLayer(frozen).trainable = false;
      const r = await ntkLayerwise(model, x1, x2, { method: 'jacobian', outputs: 'full' });
      assert.ok(r.components.every((c) => !c.label.startsWith(`${frozen}/`)), `${name}: no ${frozen} component`);
      const ref = new Float64Array(r.ntk.values.length);
      for (const [label, l] of Object.entries(fx.components.x1x2)) if (!label.startsWith(`${frozen}/`)) l.full.forEach((v, q) => (ref[q] += v));
      assert.ok(relFrobenius(r.ntk.values, ref) <= 1e-5, `${name} frozen ${frozen}: ${relFrobenius(r.ntk.values, ref)}`);
    });
  }
});

test('LayerNormalization over another axis than the last keeps the generic path', async () => {
  const start = tf.memory().numTensors;
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: 4, inputShape: [3, 5], name: 'proj' }), tfl.layers.layerNormalization({ axis: 1, name: 'ln' }), tfl.layers.flatten(), tfl.layers.dense({ units: 1, name: 'head' })],
  });
  try {
    const g = buildGraph(model);
    assert.ok(g.nodes.some((n) => n.op instanceof TfLayerOp && n.op.layer === 'ln'));
    assert.ok(!g.nodes.some((n) => n.op instanceof LayerNormOp));
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});
