/**
 * Issue 19 items 1-2: the two routes of weights over positions (per-example gradients; patch Gram x delta Gram)
 * against JAX float64 fixtures (test/fixtures/jacobian-conv/, made by test/fixtures/make_jacobian_fixtures.py):
 * strided 'same'/'valid' Conv2D, a dilated causal Conv1D, a Dense on a sequence, several channel counts, biases;
 * every component within 1e-5 in the full, trace and diagonal layouts, symmetric and cross. Then the cost model:
 * its counts on the bench CNN against the counts derived by hand, and its per-layer choice on two shapes whose
 * routes' order differs (it picks the route with fewer FLOPs and the smaller predicted time; the timed order is
 * bench/jacobian's). tf.memory().numTensors returns to its start.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError, MemoryBudgetError } from '../../src/errors';
import { chooseNtkMethod, ntk, ntkCost, ntkLayerwise } from '../../src/ntk';
import { Rng } from '../../src/random';
import { relFrobenius } from '../helpers/finite-differences';
import { assertAllMatchFixture, buildFixtureModel, loadFixtures, withFixtureModel } from '../helpers/jacobian-fixtures';
import { setupBackend } from '../helpers/setup';

const fixtures = loadFixtures('jacobian-conv');

before(setupBackend);

test('two convolution-route fixtures are present', () => assert.equal(fixtures.length, 2));

for (const fx of fixtures) {
  describe(`fixture ${fx.name}`, () => {
    for (const route of ['gradients', 'structured'] as const) {
      test(`route '${route}': NTK and every component within 1e-5 of JAX, full/trace/diagonal, symmetric and cross`, async (t) => {
        await withFixtureModel(fx, () => buildFixtureModel(fx), async (model, x1, x2) => {
          await assertAllMatchFixture(t, fx, x2, ['full', 'trace', 'diagonal'], 1e-5, async (other, layout) => {
            const r = await ntkLayerwise(model, x1, other, { method: 'jacobian', outputs: layout, convolutions: route });
            // Every weight over several positions took the route asked for, and the kernel says so.
            assert.match(r.ntk.normalization, new RegExp(`c2/kernel ${route}`));
            return r;
          });
        });
      });
    }
  });
}

/** The bench CNN: conv3x3(32)-relu-conv3x3(32)-relu-flatten-dense(1) on 28x28x1. */
function benchCnn(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], name: 'conv1' }),
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 1, name: 'dense' }),
    ],
  });
}

test('ntkCost on the bench CNN (n = 500) equals the count derived by hand', () => {
  const start = tf.memory().numTensors;
  const model = benchCnn();
  try {
    const c = ntkCost(model, 500);
    const n = 500;
    const pairs = (n * (n + 1)) / 2;
    // conv2: P = 24 x 24 positions, C = 3 x 3 x 32 patch values, 32 channels; dense: 18432 inputs.
    const [conv1, conv2, dense] = c.layers;
    assert.deepEqual([conv1.positions, conv1.patch, conv1.channels], [676, 9, 32]);
    assert.deepEqual([conv2.positions, conv2.patch, conv2.channels], [576, 288, 32]);
    assert.equal(conv2.route, 'gradients');
    assert.equal(conv1.route, 'gradients');
    // Forward 2 n P C cout; the input cotangents of conv2 as much again (conv1's input is the data: none).
    assert.equal(conv2.passFlops, 2 * 2 * n * 576 * 288 * 32);
    assert.equal(conv1.passFlops, 2 * n * 676 * 9 * 32);
    // Per-example gradients formed (2 n P C cout), their Gram over pairs, the bias rows' Gram.
    assert.equal(conv2.routes!.gradients.blasFlops, 2 * n * 576 * 288 * 32 + 2 * pairs * 288 * 32 + 2 * pairs * 32);
    // Minimal (Novak et al.): the per-example-gradient Gram, cheaper than P^2 (C + cout) here; the bias's Gram.
    assert.equal(conv2.minimalFlops, 2 * pairs * 288 * 32 + 2 * pairs * 32);
    assert.equal(dense.route, 'outer');
    assert.equal(dense.minimalFlops, 2 * pairs * (24 * 24 * 32 + 1) + pairs);
    assert.equal(c.minimalFlops, conv1.minimalFlops + conv2.minimalFlops + dense.minimalFlops);
    assert.ok(c.executedFlops > c.minimalFlops);
    // In blocks of 200 (ranges 200, 200, 100): each block above the diagonal reruns its column range's passes,
    // 500 + 200 + 2 x 100 = 900 examples; a 500 x 300 cross-kernel runs the 300 once per row range: 500 + 3 x 300.
    for (const [n2, E] of [[undefined, 900], [300, 1400]] as const) {
      const t = ntkCost(model, 500, n2, { tile: 200 });
      const pairsT = n2 === undefined ? pairs : 500 * n2;
      assert.equal(t.layers[1].passFlops, 2 * 2 * E * 576 * 288 * 32, `tiled passes (n2 ${n2})`);
      assert.equal(t.layers[1].routes!.gradients.blasFlops, 2 * E * 576 * 288 * 32 + 2 * pairsT * 288 * 32 + 2 * pairsT * 32, `tiled forming (n2 ${n2})`);
    }
    assert.equal(ntkCost(model, 500, undefined, { tile: 500 }).passFlops, c.passFlops, 'one tile is the untiled count');
    assert.throws(() => ntkCost(model, 500, undefined, { tile: 0 }), InvalidOptionError);
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

/** One convolution (and a dense head) on `shape` inputs: its positions decide which route is cheaper. */
function oneConv(shape: [number, number, number], filters: number, seed: number): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters, kernelSize: 3, activation: 'tanh', inputShape: shape, name: 'conv', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 1, name: 'head', kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
  return model;
}

test('the cost model picks per layer the route with fewer FLOPs, on two shapes where the order differs', async (t) => {
  const start = tf.memory().numTensors;
  const cases = [
    { shape: [12, 12, 4] as [number, number, number], filters: 8, expect: 'gradients' }, // P = 100 positions
    { shape: [3, 4, 32] as [number, number, number], filters: 32, expect: 'structured' }, // P = 2 positions, C = 288
  ];
  const n = 7;
  for (const [ci, c] of cases.entries()) {
    const model = oneConv(c.shape, c.filters, 10 + ci);
    const x = tf.tensor(new Rng(20 + ci).normals32(n * c.shape[0] * c.shape[1] * c.shape[2]), [n, ...c.shape]);
    try {
      const cost = ntkCost(model, n);
      const conv = cost.layers[0];
      const { gradients, structured } = conv.routes!;
      const fewer = structured.flops < gradients.flops ? 'structured' : 'gradients';
      const faster = structured.seconds < gradients.seconds ? 'structured' : 'gradients';
      t.diagnostic(`${c.shape.join('x')}: ${conv.reason}`);
      assert.equal(fewer, c.expect);
      assert.equal(faster, c.expect);
      assert.equal(conv.route, c.expect);
      const choice = chooseNtkMethod(model, n, undefined, { method: 'auto' });
      assert.equal(choice.method, 'jacobian');
      assert.match(choice.reason, new RegExp(`conv/kernel: ${c.expect} \\(cost model`));
      assert.equal(choice.plan?.layers[0].route, c.expect);
      // The auto kernel (which took c.expect) equals the other route's.
      const auto = await ntk(model, x, undefined, { method: 'jacobian' });
      const other = await ntk(model, x, undefined, { method: 'jacobian', convolutions: c.expect === 'structured' ? 'gradients' : 'structured' });
      assert.match(auto.normalization, new RegExp(`conv/kernel ${c.expect}`));
      assert.ok(relFrobenius(auto.values, other.values) <= 1e-5);
      // In blocks of 3 examples (off-diagonal blocks are cross contractions, diagonal ones lower triangles).
      const tiled = await ntk(model, x, undefined, { method: 'jacobian', tile: 3 });
      assert.ok(relFrobenius(tiled.values, auto.values) <= 1e-6);
    } finally {
      model.dispose();
      x.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, start);
});

test('a route asked for is the one the memory estimate counts and the reason names', async () => {
  const start = tf.memory().numTensors;
  // conv on 12x12x4: P = 100, C = 36, cout = 8; its input 576 values, its deltas 800 per example.
  const model = oneConv([12, 12, 4], 8, 5);
  const n = 7;
  const x = tf.tensor(new Rng(41).normals32(n * 576), [n, 12, 12, 4]);
  try {
    const need = async (route: 'gradients' | 'structured'): Promise<number> => {
      try {
        await ntk(model, x, undefined, { method: 'jacobian', convolutions: route, maxBytes: 1000 });
      } catch (e) {
        assert.ok(e instanceof MemoryBudgetError, String(e));
        return e.estimatedBytes;
      }
      return assert.fail('expected a MemoryBudgetError');
    };
    // 'gradients' keeps per-example kernel and bias gradients (288 + 8 floats); 'structured' the input and the
    // deltas (576 + 800) with the bias shared; the head's factors and the working memory are the same.
    assert.equal((await need('structured')) - (await need('gradients')), 4 * n * (576 + 800 - (288 + 8)));
    for (const route of ['gradients', 'structured'] as const) {
      const choice = chooseNtkMethod(model, n, undefined, { convolutions: route });
      assert.match(choice.reason, new RegExp(`conv/kernel: ${route} \\(asked for`));
      assert.equal(choice.plan?.layers[0].route, route);
    }
  } finally {
    model.dispose();
    x.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('bad input: named errors, nothing leaked', async () => {
  const start = tf.memory().numTensors;
  const model = oneConv([5, 5, 2], 3, 3);
  const x = tf.zeros([2, 5, 5, 2]);
  try {
    assert.throws(() => ntkCost(model, 0), InvalidOptionError);
    assert.throws(() => ntkCost(model, 3, 2.5), InvalidOptionError);
    assert.throws(() => ntkCost(model, 3, undefined, { convolutions: 'fast' as never }), /convolutions must be/);
    await assert.rejects(ntk(model, x, undefined, { method: 'jacobian', convolutions: 'fast' as never }), InvalidOptionError);
  } finally {
    model.dispose();
    x.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});
