/**
 * A functional ResNet-style block on the Jacobian method's fast path (issue 19 item 3): conv-BN-relu-conv plus a
 * 1x1 projection of the input (Add), tanh, average pooling, then global average pooling and Flatten joined by
 * Concatenate, and a dense head. No layer takes the generic tfjs path. Against a JAX float64 fixture
 * (test/fixtures/jacobian-layers/residual_bn_pool_concat_k2.json, made by test/fixtures/make_jacobian_fixtures.py):
 * every component within 1e-5 in the full, trace and diagonal layouts, symmetric and cross; ntkVp against K v.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ntkLayerwise, ntkVp } from '../../src/ntk';
import { buildGraph } from '../../src/ntk/jacobian/graph';
import { TfLayerOp } from '../../src/ntk/jacobian/ops/tf-layer';
import { Rng } from '../../src/random';
import { relFrobenius } from '../helpers/finite-differences';
import { assertAllMatchFixture, buildFixtureModel, kernelTimes, loadFixture, withFixtureModel } from '../helpers/jacobian-fixtures';
import { setupBackend } from '../helpers/setup';

const fx = loadFixture('jacobian-layers/residual_bn_pool_concat_k2.json');

/** The fixture's network (make_residual in the fixture script); buildFixtureModel sets its weights. */
function network(): tfl.LayersModel {
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
  return tfl.model({ inputs: input, outputs: S(tfl.layers.dense({ units: 2, name: 'head' }).apply(cat)) });
}

const build = (): tfl.LayersModel => buildFixtureModel(fx, network);

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
  await withFixtureModel(fx, build, async (model, x1, x2) => {
    await assertAllMatchFixture(t, fx, x2, ['full', 'trace', 'diagonal'], 1e-5, (other, layout) => ntkLayerwise(model, x1, other, { method: 'jacobian', outputs: layout }));
    const nk = fx.x1.shape[0] * fx.k;
    const full = await ntkLayerwise(model, x1, undefined, { method: 'jacobian', outputs: 'full' });
    const v = new Rng(9).normals32(nk);
    assert.ok(relFrobenius(await ntkVp(model, x1, v), kernelTimes(full.ntk.values, v, nk)) <= 1e-5);
  });
});
