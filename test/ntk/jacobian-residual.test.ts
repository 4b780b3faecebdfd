/**
 * A functional ResNet-style block on the Jacobian method's fast path (issue 19 item 3): conv-BN-relu-conv plus a
 * 1x1 projection of the input (Add), tanh, average pooling, then global average pooling and Flatten joined by
 * Concatenate, and a dense head. No layer takes the generic tfjs path. Against a JAX float64 fixture
 * (test/fixtures/jacobian-layers/residual_bn_pool_concat_k2.json, made by test/fixtures/make_jacobian_fixtures.py):
 * every component within 1e-5 in the full, trace and diagonal layouts, symmetric and cross; ntkVp against K v.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ntkLayerwise, ntkVp } from '../../src/ntk';
import { buildGraph } from '../../src/ntk/jacobian/graph';
import { TfLayerOp } from '../../src/ntk/jacobian/ops/tf-layer';
import { Rng } from '../../src/random';
import { fromFull, relFrobenius } from '../helpers/finite-differences';
import { setupBackend } from '../helpers/setup';

interface Values {
  shape: number[];
  values: number[];
}
type Layouts = { full: number[]; trace: number[] };
interface Fixture {
  k: number;
  weights: Record<string, Values>;
  x1: Values;
  x2: Values;
  ntk: Record<'x1x1' | 'x1x2', Layouts>;
  components: Record<'x1x1' | 'x1x2', Record<string, Layouts>>;
}

const fx = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/jacobian-layers/residual_bn_pool_concat_k2.json'), 'utf8')) as Fixture;

/** The fixture's network (make_residual in the fixture script) with its weights. */
function build(): tfl.LayersModel {
  const S = (t: tfl.SymbolicTensor | tfl.SymbolicTensor[] | tf.Tensor | tf.Tensor[]): tfl.SymbolicTensor => t as tfl.SymbolicTensor;
  const input = tfl.input({ shape: [6, 6, 3] });
  const c1 = S(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c1' }).apply(input));
  const bn = S(tfl.layers.batchNormalization({ name: 'bn', epsilon: 1e-3 }).apply(c1));
  const r = S(tfl.layers.activation({ activation: 'relu', name: 'relu' }).apply(bn));
  const c2 = S(tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'c2' }).apply(r));
  const proj = S(tfl.layers.conv2d({ filters: 4, kernelSize: 1, padding: 'same', name: 'proj' }).apply(input));
  const sum = S(tfl.layers.add({ name: 'add' }).apply([c2, proj]));
  const t = S(tfl.layers.activation({ activation: 'tanh', name: 'tanh' }).apply(sum));
  const pool = S(tfl.layers.averagePooling2d({ poolSize: 2, name: 'pool' }).apply(t));
  const gap = S(tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(pool));
  const flat = S(tfl.layers.flatten({ name: 'flat' }).apply(pool));
  const cat = S(tfl.layers.concatenate({ name: 'cat' }).apply([gap, flat]));
  const model = tfl.model({ inputs: input, outputs: S(tfl.layers.dense({ units: 2, name: 'head' }).apply(cat)) });
  const tensors = model.weights.map((w) => {
    const ref = fx.weights[w.originalName];
    assert.ok(ref, `weight ${w.originalName} in the fixture`);
    return tf.tensor(ref.values, ref.shape);
  });
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

before(setupBackend);

test('every layer has a rule of its own (no generic tfjs path)', () => {
  const model = build();
  try {
    const g = buildGraph(model);
    assert.equal(g.nodes.filter((n) => n.op instanceof TfLayerOp).length, 0);
  } finally {
    model.dispose();
  }
});

test('NTK and every component within 1e-5 of JAX (float64), full/trace/diagonal, symmetric and cross; ntkVp = K v', async (t) => {
  const start = tf.memory().numTensors;
  const model = build();
  const x1 = tf.tensor(fx.x1.values, fx.x1.shape);
  const x2 = tf.tensor(fx.x2.values, fx.x2.shape);
  try {
    let worst = 0;
    for (const pair of ['x1x1', 'x1x2'] as const) {
      const n1 = fx.x1.shape[0];
      const n2 = pair === 'x1x1' ? n1 : fx.x2.shape[0];
      for (const layout of ['full', 'trace', 'diagonal'] as const) {
        const r = await ntkLayerwise(model, x1, pair === 'x1x2' ? x2 : undefined, { method: 'jacobian', outputs: layout });
        const ref = (l: Layouts): ArrayLike<number> => (layout === 'diagonal' ? fromFull(Float64Array.from(l.full), n1, n2, fx.k, 'diagonal') : l[layout]);
        assert.ok(relFrobenius(r.ntk.values, ref(fx.ntk[pair])) <= 1e-5, `${pair} ${layout} NTK`);
        assert.deepEqual(r.components.map((c) => c.label).sort(), Object.keys(fx.components[pair]).sort());
        for (const c of r.components) {
          const e = relFrobenius(c.values, ref(fx.components[pair][c.label]));
          worst = Math.max(worst, e);
          assert.ok(e <= 1e-5, `${pair} ${layout} ${c.label}: ${e}`);
        }
      }
    }
    t.diagnostic(`worst component relative error ${worst.toExponential(2)}`);
    const n = fx.x1.shape[0];
    const k = fx.k;
    const full = await ntkLayerwise(model, x1, undefined, { method: 'jacobian', outputs: 'full' });
    const v = new Rng(9).normals32(n * k);
    const kv = new Float64Array(n * k);
    for (let a = 0; a < n * k; a++) for (let b = 0; b < n * k; b++) kv[a] += full.ntk.values[a * n * k + b] * v[b];
    assert.ok(relFrobenius(await ntkVp(model, x1, v), kv) <= 1e-5);
  } finally {
    model.dispose();
    tf.dispose([x1, x2]);
  }
  assert.equal(tf.memory().numTensors, start);
});
