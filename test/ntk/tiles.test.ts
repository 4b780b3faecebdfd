/** Tiled and untiled kernels agree; components sum to the NTK; the budget is enforced before allocating. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBudgetError } from '../../src/errors';
import { mlp } from '../../src/models';
import { ck, ntk, ntkLayerwise, ntkTiles } from '../../src/ntk';
import { relFrobenius } from '../helpers/finite-differences';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

for (const layout of ['trace', 'full', 'diagonal'] as const) {
  for (const symmetric of [true, false]) {
    test(`tiled == untiled (${layout}, ${symmetric ? 'symmetric' : 'cross'})`, async () => {
      const net = mlp({ inputDim: 6, widths: [16, 12], outputDim: 3, activation: 'gelu', seed: 4 });
      try {
        const x1 = gaussianRows(37, 6, 1);
        const x2 = symmetric ? undefined : gaussianRows(29, 6, 2);
        const whole = await ntkLayerwise(net, x1, x2, { outputs: layout });
        let steps = 0;
        const tiled = await ntkLayerwise(net, x1, x2, { outputs: layout, tile: 8, onProgress: () => steps++ });
        assert.ok(steps > 5, 'progress reported per block');
        assert.deepEqual(tiled.ntk.shape, whole.ntk.shape);
        assert.ok(relFrobenius(tiled.ntk.values, whole.ntk.values) <= 1e-6, `${relFrobenius(tiled.ntk.values, whole.ntk.values)}`);
        tiled.components.forEach((c, i) => assert.ok(relFrobenius(c.values, whole.components[i].values) <= 1e-6, c.label));
        if (symmetric) {
          const [r, c] = [whole.ntk.rows, whole.ntk.cols];
          if (layout !== 'diagonal') for (let i = 0; i < r; i += 5) for (let j = 0; j < c; j += 3) assert.equal(tiled.ntk.values[i * c + j], tiled.ntk.values[j * c + i]);
        }
      } finally {
        net.dispose();
      }
    });
  }
}

test('layerwise components sum to the NTK (<= 1e-5 relative)', async () => {
  const net = mlp({ inputDim: 20, widths: [64, 64, 64], outputDim: 2, activation: 'erf', seed: 9, biasStd: 0.5 });
  try {
    const x = gaussianRows(50, 20, 3);
    const { ntk: K, components } = await ntkLayerwise(net, x, undefined, { outputs: 'full' });
    const sum = new Float64Array(K.values.length);
    for (const c of components) c.values.forEach((v, i) => (sum[i] += v));
    assert.equal(components.length, 8);
    assert.ok(relFrobenius(sum, K.values) <= 1e-5, `${relFrobenius(sum, K.values)}`);
    const plain = await ntk(net, x, undefined, { outputs: 'full' });
    assert.ok(relFrobenius(plain.values, K.values) <= 1e-6);
  } finally {
    net.dispose();
  }
});

test('ntkTiles streams blocks that reassemble to the kernel', async () => {
  const net = mlp({ inputDim: 5, widths: [10], seed: 1 });
  try {
    const x = gaussianRows(23, 5, 7);
    const whole = await ntk(net, x);
    const seen = new Float32Array(23 * 23).fill(NaN);
    for await (const t of ntkTiles(net, x, undefined, { tile: 10 })) {
      const nb2 = t.cols.end - t.cols.start;
      for (let i = t.rows.start; i < t.rows.end; i++)
        for (let j = t.cols.start; j < t.cols.end; j++) seen[i * 23 + j] = t.values[(i - t.rows.start) * nb2 + (j - t.cols.start)];
    }
    assert.ok(seen.every((v) => !Number.isNaN(v)), 'every entry covered');
    assert.ok(relFrobenius(seen, whole.values) <= 1e-6);
  } finally {
    net.dispose();
  }
});

test('over maxBytes: a MemoryBudgetError naming the estimate and the tile option, before allocating', async () => {
  const net = mlp({ inputDim: 8, widths: [32, 32], seed: 1 });
  try {
    const x = gaussianRows(300, 8, 1);
    await assert.rejects(ntk(net, x, undefined, { maxBytes: 200_000 }), (e: unknown) => {
      assert.ok(e instanceof MemoryBudgetError);
      assert.match(e.message, /needs about .* over maxBytes = 200\.00 kB: pass \{ tile: true \}/);
      assert.ok(e.estimatedBytes > 200_000);
      return true;
    });
    // The result alone (360 kB) does not fit 400 kB with components; with tile: true the plain NTK does.
    const tiled = await ntk(net, x, undefined, { maxBytes: 700_000, tile: true });
    const whole = await ntk(net, x);
    assert.ok(relFrobenius(tiled.values, whole.values) <= 1e-6);
    await assert.rejects(ntk(net, x, undefined, { maxBytes: 300_000, tile: 16 }), /stream it with ntkTiles/);
  } finally {
    net.dispose();
  }
});

test('CK is the width-normalised Gram of the hidden layer', async () => {
  const net = mlp({ inputDim: 4, widths: [7, 5], activation: 'tanh', seed: 2 });
  try {
    const x1 = gaussianRows(6, 4, 1);
    const x2 = gaussianRows(3, 4, 2);
    const K = await ck(net, x1, x2, { layer: 1 });
    // Reference: h_1 by plain float64 loops from the weights.
    const { W, b } = net.getWeights()[0];
    const spec = net.layers[0];
    const h = (x: number[]): number[] =>
      Array.from({ length: 7 }, (_, j) => Math.tanh(spec.weightMultiplier * x.reduce((s, xi, i) => s + xi * W[i * 7 + j], 0) + spec.biasMultiplier * b![j]));
    const ref = x1.flatMap((a) => x2.map((c) => h(a).reduce((s, v, j) => s + v * h(c)[j], 0) / 7));
    assert.deepEqual(K.shape, [6, 3]);
    assert.ok(relFrobenius(K.values, ref) <= 1e-6);
    const sym = await ck(net, x1);
    assert.equal(sym.label, 'ck:layer2');
    await assert.rejects(ck(net, x1, undefined, { layer: 3 }), /layer must be an integer in 0\.\.2/);
  } finally {
    net.dispose();
  }
});
