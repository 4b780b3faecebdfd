/**
 * BatchNormalization (inference mode) on the Jacobian method's fast path (issue 19 item 3): its own op, not the
 * generic per-example tfjs path. Against a JAX float64 fixture (test/fixtures/jacobian-layers/, made by
 * test/fixtures/make_jacobian_fixtures.py) every component within 1e-5 in the full, trace and diagonal layouts,
 * symmetric and cross; gamma's and beta's components against central finite differences of the tfjs model's own
 * predictions; ntkVp (its sums and forward mode) against K v. tf.memory().numTensors returns to its start.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { ntkLayerwise, ntkVp } from '../../src/ntk';
import { buildGraph } from '../../src/ntk/jacobian/graph';
import { BatchNormOp } from '../../src/ntk/jacobian/ops/batch-norm';
import { Rng } from '../../src/random';
import { relFrobenius } from '../helpers/finite-differences';
import { assertAllMatchFixture, buildFixtureModel, fdComponent, kernelTimes, loadFixture, withFixtureModel } from '../helpers/jacobian-fixtures';
import { setupBackend } from '../helpers/setup';

const fx = loadFixture('jacobian-layers/conv_batchnorm_dense_k2.json');
const build = (): tfl.LayersModel => buildFixtureModel(fx);

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
  await withFixtureModel(fx, build, async (model, x1, x2) => {
    await assertAllMatchFixture(t, fx, x2, ['full', 'trace', 'diagonal'], 1e-5, (other, layout) => ntkLayerwise(model, x1, other, { method: 'jacobian', outputs: layout }));
  });
});

test("gamma's and beta's components equal central finite differences of the model's own predictions (1e-3)", async () => {
  await withFixtureModel(fx, build, async (model, x) => {
    const r = await ntkLayerwise(model, x, undefined, { method: 'jacobian', outputs: 'full' });
    for (const [index, name] of [[0, 'gamma'], [1, 'beta']] as const) {
      const K = fdComponent(model, 'bn', index, x, fx.x1.shape[0], fx.k);
      const comp = r.components.find((c) => c.label === `bn/${name}`)!;
      const e = relFrobenius(comp.values, K);
      assert.ok(e <= 1e-3, `bn/${name}: ${e}`);
    }
  });
});

test('ntkVp (reverse sums and forward mode through the op) equals K v', async () => {
  await withFixtureModel(fx, build, async (model, x) => {
    const nk = fx.x1.shape[0] * fx.k;
    const v = new Rng(5).normals32(nk);
    const r = await ntkLayerwise(model, x, undefined, { method: 'jacobian', outputs: 'full' });
    const kv = kernelTimes(r.ntk.values, v, nk);
    const tv = await ntkVp(model, x, v);
    assert.ok(relFrobenius(tv, kv) <= 1e-5, `${relFrobenius(tv, kv)}`);
  });
});
