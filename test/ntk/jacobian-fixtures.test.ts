/**
 * Acceptance 2 of NTK part 2: the Jacobian method against kernels computed by JAX autodiff in float64
 * (test/fixtures/make_jacobian_fixtures.py): a CNN (2 Conv2D + max pool + Dense, 12x12x1 inputs, k = 3) and an
 * embedding + dense net; full and trace layouts, the NTK and every per-tensor component, within 1e-4, with the
 * convolutions on the direct kernels and on im2col + OpenBLAS.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ntkLayerwise } from '../../src/ntk';
import { relFrobenius } from '../helpers/finite-differences';
import { assertMatchesFixture, buildFixtureModel, loadFixtures } from '../helpers/jacobian-fixtures';
import { setupBackend } from '../helpers/setup';
import { directConv } from '../../src/ntk/jacobian/ops/direct-conv';

const fixtures = loadFixtures('jacobian');

before(setupBackend);

test('two fixtures are present', () => assert.equal(fixtures.length, 2));

for (const fx of fixtures) {
  describe(`fixture ${fx.name}`, () => {
    // 'direct': the addon's direct convolution kernels where this CPU runs them (AVX2 + FMA); 'im2col': im2col +
    // OpenBLAS, the route without them (NTK_DIRECT_CONV=0 forces it), so both stay checked on any machine.
    for (const route of ['direct', 'im2col'] as const)
    for (const pair of ['x1x1', 'x1x2'] as const) {
      for (const layout of ['full', 'trace'] as const) {
        test(`${route} ${pair} ${layout}: NTK and every component within 1e-4`, async (t) => {
          const model = buildFixtureModel(fx);
          const x1 = tf.tensor(fx.x1.values, fx.x1.shape);
          const x2 = tf.tensor(fx.x2.values, fx.x2.shape);
          if (route === 'im2col') process.env.NTK_DIRECT_CONV = '0';
          try {
            const res = await ntkLayerwise(model, x1, pair === 'x1x1' ? undefined : x2, { method: 'jacobian', outputs: layout });
            // The kernel names the code that ran its convolutions.
            if (fx.name?.startsWith('cnn')) assert.match(res.ntk.normalization, route === 'im2col' || !directConv() ? /convolutions on im2col \+ OpenBLAS/ : /convolutions on the addon's direct kernels/);
            // In the fixture's (forward) order, not only the same set.
            assert.deepEqual(res.components.map((c) => c.label), Object.keys(fx.components[pair]));
            const worst = assertMatchesFixture(res, fx, pair, layout, 1e-4);
            t.diagnostic(`NTK ${relFrobenius(res.ntk.values, fx.ntk[pair][layout]).toExponential(2)}, worst component ${worst.toExponential(2)}`);
          } finally {
            delete process.env.NTK_DIRECT_CONV;
            tf.dispose([x1, x2]);
            model.dispose();
          }
        });
      }
    }
  });
}
