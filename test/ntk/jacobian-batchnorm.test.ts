/**
 * BatchNormalization (inference mode) on the Jacobian method's fast path (issue 19 item 3): its own op, not the
 * generic per-example tfjs path. Against a JAX float64 fixture (test/fixtures/jacobian-layers/, made by
 * test/fixtures/make_jacobian_fixtures.py) every component within 1e-5 in the full, trace and diagonal layouts,
 * symmetric and cross; gamma's and beta's components against central finite differences of the tfjs model's own
 * predictions; ntkVp (its sums and forward mode) against K v. tf.memory().numTensors returns to its start.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ntkLayerwise, ntkVp } from '../../src/ntk';
import { buildGraph } from '../../src/ntk/jacobian/graph';
import { BatchNormOp } from '../../src/ntk/jacobian/ops/batch-norm';
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

const fx = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/jacobian-layers/conv_batchnorm_dense_k2.json'), 'utf8')) as Fixture;

function layer(s: LayerSpec): tfl.layers.Layer {
  const { class: cls, ...args } = s;
  if (cls === 'Conv2D') return tfl.layers.conv2d(args as never);
  if (cls === 'BatchNormalization') return tfl.layers.batchNormalization(args as never);
  if (cls === 'Activation') return tfl.layers.activation(args as never);
  if (cls === 'Flatten') return tfl.layers.flatten(args as never);
  if (cls === 'Dense') return tfl.layers.dense(args as never);
  throw new Error(`fixture layer class ${cls}`);
}

function build(): tfl.Sequential {
  const model = tfl.sequential({ layers: fx.layers.map(layer) });
  // In model.weights' order (every trainable weight, then the moving statistics), by '<layer>/<weight>'.
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

test('BatchNormalization takes its own op (not the generic tfjs path); gamma and beta are the only BN parameters', () => {
  const model = build();
  try {
    const g = buildGraph(model);
    assert.ok(g.nodes.some((n) => n.op instanceof BatchNormOp));
    assert.deepEqual(g.params.map((p) => p.label), ['c1/kernel', 'c1/bias', 'bn/gamma', 'bn/beta', 'head/kernel', 'head/bias']);
  } finally {
    model.dispose();
  }
});

test('NTK and every component within 1e-5 of JAX (float64), full/trace/diagonal, symmetric and cross', async (t) => {
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
        for (const c of r.components) {
          const e = relFrobenius(c.values, ref(fx.components[pair][c.label]));
          worst = Math.max(worst, e);
          assert.ok(e <= 1e-5, `${pair} ${layout} ${c.label}: ${e}`);
        }
      }
    }
    t.diagnostic(`worst component relative error ${worst.toExponential(2)}`);
  } finally {
    model.dispose();
    tf.dispose([x1, x2]);
  }
  assert.equal(tf.memory().numTensors, start);
});

test("gamma's and beta's components equal central finite differences of the model's own predictions (1e-3)", async () => {
  const start = tf.memory().numTensors;
  const model = build();
  const x = tf.tensor(fx.x1.values, fx.x1.shape);
  try {
    const n = fx.x1.shape[0];
    const k = fx.k;
    const bn = model.getLayer('bn');
    const r = await ntkLayerwise(model, x, undefined, { method: 'jacobian', outputs: 'full' });
    for (const [index, name] of [[0, 'gamma'], [1, 'beta']] as const) {
      const weights = bn.getWeights();
      const base = Float64Array.from(weights[index].dataSync());
      const h = 1e-2;
      // J[(i, a), c] by central differences of the outputs in c.
      const J = new Float64Array(n * k * base.length);
      for (let c = 0; c < base.length; c++) {
        const outs: Float32Array[] = [];
        for (const sign of [1, -1]) {
          const w = Float32Array.from(base);
          w[c] += sign * h;
          const p = weights.map((t, i) => (i === index ? tf.tensor(w, t.shape) : t.clone()));
          bn.setWeights(p);
          tf.dispose(p);
          outs.push(tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array).slice());
        }
        for (let q = 0; q < n * k; q++) J[q * base.length + c] = (outs[0][q] - outs[1][q]) / (2 * h);
      }
      // Restore from the saved values: getWeights() returns the live variables, so a clone of them now would keep
      // the last perturbation (and the next parameter's differences would be taken at a shifted point).
      const p = weights.map((t, i) => (i === index ? tf.tensor(Float32Array.from(base), t.shape) : t.clone()));
      bn.setWeights(p);
      tf.dispose(p);
      const K = new Float64Array(n * k * n * k);
      for (let a = 0; a < n * k; a++)
        for (let b = 0; b < n * k; b++) {
          let s = 0;
          for (let c = 0; c < base.length; c++) s += J[a * base.length + c] * J[b * base.length + c];
          K[a * n * k + b] = s;
        }
      const comp = r.components.find((c) => c.label === `bn/${name}`)!;
      const e = relFrobenius(comp.values, K);
      assert.ok(e <= 1e-3, `bn/${name}: ${e}`);
    }
  } finally {
    model.dispose();
    x.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('ntkVp (reverse sums and forward mode through the op) equals K v', async () => {
  const start = tf.memory().numTensors;
  const model = build();
  const x = tf.tensor(fx.x1.values, fx.x1.shape);
  try {
    const n = fx.x1.shape[0];
    const k = fx.k;
    const v = new Rng(5).normals32(n * k);
    const r = await ntkLayerwise(model, x, undefined, { method: 'jacobian', outputs: 'full' });
    const kv = new Float64Array(n * k);
    for (let a = 0; a < n * k; a++) for (let b = 0; b < n * k; b++) kv[a] += r.ntk.values[a * n * k + b] * v[b];
    const tv = await ntkVp(model, x, v);
    assert.ok(relFrobenius(tv, kv) <= 1e-5, `${relFrobenius(tv, kv)}`);
  } finally {
    model.dispose();
    x.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});
