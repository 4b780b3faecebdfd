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
import { relFrobenius } from '../helpers/finite-differences';
import { type Fixture, assertAllMatchFixture, buildFixtureModel, fdComponent, kernelTimes, loadFixture, withFixtureModel } from '../helpers/jacobian-fixtures';
import { setupBackend } from '../helpers/setup';

const load = (name: string): Fixture => loadFixture(`jacobian-layers2/${name}.json`);

/** Each fixture, the layers whose parameters are checked by finite differences, and the op kinds it must contain. */
const CASES = [
  { name: 'depthwise_k2', fd: ['dw1', 'dw2'], kinds: [DepthwiseOp] },
  { name: 'separable_k2', fd: ['sep1', 'sep2'], kinds: [DepthwiseOp, LinearOp] },
  { name: 'transpose_k2', fd: ['up1', 'up2'], kinds: [ConvTransposeOp] },
  { name: 'layernorm_k2', fd: ['ln1', 'ln2'], kinds: [LayerNormOp] },
  { name: 'mixed_functional_k2', fd: ['sep', 'dw', 'ln', 'up'], kinds: [DepthwiseOp, LinearOp, LayerNormOp, ConvTransposeOp] },
] as const;

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

/** Runs fn on the fixture's model and inputs (tensors back to their start after). */
const withModel = (fx: Fixture, fn: (model: tfl.LayersModel, x1: tf.Tensor, x2: tf.Tensor) => Promise<void>): Promise<void> =>
  withFixtureModel(fx, () => buildFixtureModel(fx, mixed), fn);

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
      await assertAllMatchFixture(t, fx, x2, ['full', 'trace', 'diagonal'], 1e-5, (other, layout) => ntkLayerwise(model, x1, other, { method: 'jacobian', outputs: layout }), c.name);
    });
  }
});

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
      const kv = kernelTimes(fx.ntk.x1x1.full, v, n * k);
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
