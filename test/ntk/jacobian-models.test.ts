/**
 * The Jacobian method on the model kinds it accepts: layers without a rule (the generic tfjs path) agree with
 * the rules, pure functions agree with the explicit method, inference-mode layers, nested and branched models,
 * tiles; and the refusals: batch-mixing layers or functions, models without trainable weights.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MemoryBudgetError, UnsupportedModelError } from '../../src/errors';
import { mlp } from '../../src/models';
import { PureModel, ntk, ntkLayerwise, ntkTiles } from '../../src/ntk';
import { relFrobenius } from '../helpers/finite-differences';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

/** x W + b written as a custom layer: no rule of the engine knows it, so it runs on the generic path. */
class PlainDense extends tfl.layers.Layer {
  static className = 'NtkLabTestPlainDense';
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;
  constructor(private readonly units: number, name: string) {
    super({ name });
  }
  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = (inputShape as number[])[1];
    this.kernel = this.addWeight('kernel', [d, this.units], 'float32', tfl.initializers.glorotNormal({ seed: 1 }));
    this.bias = this.addWeight('bias', [this.units], 'float32', tfl.initializers.zeros());
    this.built = true;
  }
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return [(inputShape as number[])[0], this.units];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.tanh(tf.add(tf.matMul((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D, this.kernel!.read() as tf.Tensor2D), this.bias!.read())));
  }
}
tf.serialization.registerClass(PlainDense);

/** Subtracts the batch mean: the output of an example depends on the others (as BatchNormalization in training). */
class BatchCentre extends tfl.layers.Layer {
  static className = 'NtkLabTestBatchCentre';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => tf.sub(x, tf.mean(x, 0)));
  }
}
tf.serialization.registerClass(BatchCentre);

test('a layer on the generic path (custom tanh(x W + b)) == the Dense rule, per component', async () => {
  const ruled = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, activation: 'tanh', inputShape: [4], name: 'h' }), tfl.layers.dense({ units: 2, name: 'o' })] });
  const generic = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [4] }), new PlainDense(6, 'h'), tfl.layers.dense({ units: 2, name: 'o' })] });
  try {
    generic.setWeights(ruled.getWeights());
    const x = gaussianRows(7, 4, 3);
    const a = await ntkLayerwise(ruled, x, gaussianRows(5, 4, 4), { method: 'jacobian', outputs: 'full' });
    const b = await ntkLayerwise(generic, x, gaussianRows(5, 4, 4), { method: 'jacobian', outputs: 'full' });
    assert.deepEqual(b.components.map((c) => c.label), ['h/kernel', 'h/bias', 'o/kernel', 'o/bias']);
    assert.ok(relFrobenius(b.ntk.values, a.ntk.values) <= 1e-5, `${relFrobenius(b.ntk.values, a.ntk.values)}`);
    b.components.forEach((c, i) => assert.ok(relFrobenius(c.values, a.components[i].values) <= 1e-5, c.label));
  } finally {
    ruled.dispose();
    generic.dispose();
  }
});

test('a pure function f(params, x) == the explicit method on the same MLP', async () => {
  const net = mlp({ inputDim: 5, widths: [12], outputDim: 2, activation: 'tanh', seed: 2 });
  try {
    const f: PureModel = { apply: (p, x) => net.apply(p, x as tf.Tensor2D), params: net.params, paramLabels: net.paramLabels };
    const x = gaussianRows(6, 5, 1);
    const e = await ntkLayerwise(net, x, undefined, { method: 'explicit', outputs: 'diagonal' });
    const j = await ntkLayerwise(f, x, undefined, { outputs: 'diagonal' });
    assert.match(j.ntk.backend, /jacobian, auto: a pure function/);
    assert.ok(relFrobenius(j.ntk.values, e.ntk.values) <= 1e-4);
    assert.deepEqual(j.components.map((c) => c.label), e.components.map((c) => c.label));
  } finally {
    net.dispose();
  }
});

test('inference mode: Dropout is the identity; BatchNormalization uses its moving statistics (its own op, gamma and beta components)', async () => {
  const input = tfl.input({ shape: [6] });
  const h = tfl.layers.dense({ units: 8, activation: 'relu', name: 'd1' }).apply(input) as tfl.SymbolicTensor;
  const plain = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 1, name: 'out' }).apply(h) as tfl.SymbolicTensor });
  const withDropout = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [6] }), tfl.layers.dense({ units: 8, activation: 'relu', name: 'd1' }), tfl.layers.dropout({ rate: 0.5 }), tfl.layers.dense({ units: 1, name: 'out' })] });
  const withBn = tfl.sequential({ layers: [tfl.layers.dense({ units: 8, inputShape: [6], name: 'd1' }), tfl.layers.batchNormalization({ name: 'bn' }), tfl.layers.dense({ units: 1, name: 'out' })] });
  try {
    withDropout.setWeights(plain.getWeights());
    const x = gaussianRows(9, 6, 5);
    const a = await ntk(plain, x, undefined, { method: 'jacobian' });
    const b = await ntk(withDropout, x, undefined, { method: 'jacobian' });
    assert.ok(relFrobenius(b.values, a.values) <= 1e-6);
    const bn = await ntkLayerwise(withBn, x, undefined, { method: 'jacobian' });
    assert.deepEqual(bn.components.map((c) => c.label), ['d1/kernel', 'd1/bias', 'bn/gamma', 'bn/beta', 'out/kernel', 'out/bias']);
    assert.ok(bn.ntk.values.every(Number.isFinite));
    // beta's per-example gradient is W_out for every example: its component is constant, sum(W_out^2).
    const wOut = withBn.getLayer('out').getWeights()[0].dataSync();
    const expected = Array.from(wOut).reduce((s, v) => s + v * v, 0);
    const beta = bn.components[3].values;
    for (const v of beta) assert.ok(Math.abs(v - expected) <= 1e-5 * expected);
  } finally {
    plain.dispose();
    withDropout.dispose();
    withBn.dispose();
  }
});

test('a Sequential nested in a functional model with a Concatenate branch == the same net written flat', async () => {
  const inner = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [3], name: 'a' })] });
  const input = tfl.input({ shape: [3] });
  const left = inner.apply(input) as tfl.SymbolicTensor;
  const right = tfl.layers.dense({ units: 4, activation: 'sigmoid', name: 'b' }).apply(input) as tfl.SymbolicTensor;
  const joined = tfl.layers.concatenate().apply([left, right]) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, name: 'c' }).apply(joined) as tfl.SymbolicTensor });
  try {
    const x = gaussianRows(6, 3, 8);
    const { ntk: K, components } = await ntkLayerwise(model, x, undefined, { method: 'jacobian', outputs: 'full' });
    assert.deepEqual(components.map((c) => c.label), ['a/kernel', 'a/bias', 'b/kernel', 'b/bias', 'c/kernel', 'c/bias']);
    // Reference: the same function written with tfjs ops as a pure function (tfjs autodiff, one pass per example).
    const [aW, ab] = inner.getWeights();
    const [bW, bb] = model.getLayer('b').getWeights();
    const [cW, cb] = model.getLayer('c').getWeights();
    const f: PureModel = {
      apply: (p, xs) =>
        tf.add(tf.matMul(tf.concat([tf.tanh(tf.add(tf.matMul(xs as tf.Tensor2D, p[0] as tf.Tensor2D), p[1])), tf.sigmoid(tf.add(tf.matMul(xs as tf.Tensor2D, p[2] as tf.Tensor2D), p[3]))], 1), p[4] as tf.Tensor2D), p[5]),
      params: [aW, ab, bW, bb, cW, cb],
    };
    const ref = await ntk(f, x, undefined, { outputs: 'full' });
    assert.ok(relFrobenius(K.values, ref.values) <= 1e-5, `${relFrobenius(K.values, ref.values)}`);
  } finally {
    model.dispose();
  }
});

test('refused: a layer or a function that mixes the examples of a batch; a model without trainable weights', async () => {
  const mixing = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3] }), new BatchCentre({ name: 'centre' }), tfl.layers.dense({ units: 1 })] });
  const frozen = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3], trainable: false }), tfl.layers.dense({ units: 1, trainable: false })] });
  const W = tf.randomNormal([3, 2], 0, 1, 'float32', 1);
  try {
    const x = gaussianRows(5, 3, 1);
    await assert.rejects(ntk(mixing, x), (e: unknown) => e instanceof UnsupportedModelError && /layer 'centre'.*depends on the other examples of the batch.*BatchNormalization in training mode/.test(e.message));
    const batchMean: PureModel = { apply: (p, xs) => tf.matMul(tf.sub(xs, tf.mean(xs, 0)) as tf.Tensor2D, p[0] as tf.Tensor2D), params: [W] };
    await assert.rejects(ntk(batchMean, x), (e: unknown) => e instanceof UnsupportedModelError && /depends on the other examples/.test(e.message));
    await assert.rejects(ntk(frozen, x), (e: unknown) => e instanceof UnsupportedModelError && /no trainable weights/.test(e.message));
    await assert.rejects(ntk({ apply: (_p: tf.Tensor[], xs: tf.Tensor) => xs, params: [] }, x), (e: unknown) => e instanceof UnsupportedModelError && /no parameters/.test(e.message));
  } finally {
    mixing.dispose();
    frozen.dispose();
    W.dispose();
  }
});

test('jacobian tiles: tiled == untiled, ntkTiles reassembles, budget refused before allocating', async () => {
  const model = tfl.sequential({
    layers: [tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'tanh', inputShape: [10, 2] }), tfl.layers.globalMaxPooling1d({}), tfl.layers.dense({ units: 2 })],
  });
  const x = tf.randomNormal([23, 10, 2], 0, 1, 'float32', 9);
  const x2 = tf.randomNormal([11, 10, 2], 0, 1, 'float32', 10);
  try {
    for (const other of [undefined, x2]) {
      const whole = await ntkLayerwise(model, x, other, { method: 'jacobian', outputs: 'full' });
      let steps = 0;
      const tiled = await ntkLayerwise(model, x, other, { method: 'jacobian', outputs: 'full', tile: 8, onProgress: () => steps++ });
      assert.ok(steps > 4);
      assert.ok(relFrobenius(tiled.ntk.values, whole.ntk.values) <= 1e-6);
      tiled.components.forEach((c, i) => assert.ok(relFrobenius(c.values, whole.components[i].values) <= 1e-6, c.label));
    }
    const whole = await ntk(model, x, undefined, { method: 'jacobian' });
    const seen = new Float32Array(23 * 23).fill(NaN);
    for await (const t of ntkTiles(model, x, undefined, { method: 'jacobian', tile: 10 })) {
      const nb2 = t.cols.end - t.cols.start;
      for (let i = t.rows.start; i < t.rows.end; i++) for (let j = t.cols.start; j < t.cols.end; j++) seen[i * 23 + j] = t.values[(i - t.rows.start) * nb2 + (j - t.cols.start)];
    }
    assert.ok(seen.every((v) => !Number.isNaN(v)));
    assert.ok(relFrobenius(seen, whole.values) <= 1e-6);
    await assert.rejects(ntk(model, x, undefined, { method: 'jacobian', maxBytes: 4000 }), (e: unknown) => e instanceof MemoryBudgetError && /pass \{ tile: true \}/.test(e.message));
  } finally {
    tf.dispose([x, x2]);
    model.dispose();
  }
});

test('jacobian: cancelled by its AbortSignal; several inputs or outputs refused by name', async () => {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, activation: 'tanh', inputShape: [4] }), tfl.layers.dense({ units: 1 })] });
  const a = tfl.input({ shape: [2] });
  const b = tfl.input({ shape: [2] });
  const twoIn = tfl.model({ inputs: [a, b], outputs: tfl.layers.dense({ units: 1 }).apply(tfl.layers.concatenate().apply([a, b])) as tfl.SymbolicTensor });
  try {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(ntk(model, gaussianRows(40, 4, 1), undefined, { method: 'jacobian', signal: controller.signal }), (e: unknown) => e instanceof Error && e.name === 'CancelledError');
    await assert.rejects(ntk(twoIn, gaussianRows(3, 2, 1)), (e: unknown) => e instanceof UnsupportedModelError && /2 inputs and 1 outputs/.test(e.message));
  } finally {
    model.dispose();
    twoIn.dispose();
  }
});

test('a Dense on a sequence whose per-example gradients outgrow its inputs: lazy patch factors, by blocks of channels', async () => {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 48, activation: 'tanh', inputShape: [2, 64], name: 'seq' }), tfl.layers.flatten(), tfl.layers.dense({ units: 2, name: 'out' })] });
  try {
    const [W1, b1, W2, b2] = model.getWeights();
    const f: PureModel = {
      apply: (p, xs) => {
        const n = xs.shape[0];
        const h = tf.tanh(tf.add(tf.matMul(tf.reshape(xs, [n * 2, 64]) as tf.Tensor2D, p[0] as tf.Tensor2D), p[1]));
        return tf.add(tf.matMul(tf.reshape(h, [n, 96]) as tf.Tensor2D, p[2] as tf.Tensor2D), p[3]);
      },
      params: [W1, b1, W2, b2],
    };
    const x1 = tf.randomNormal([10, 2, 64], 0, 1, 'float32', 4);
    const x2 = tf.randomNormal([10, 2, 64], 0, 1, 'float32', 5);
    try {
      for (const other of [undefined, x2]) {
        const ref = await ntk(f, x1, other, { outputs: 'full' });
        const got = await ntk(model, x1, other, { outputs: 'full' });
        assert.ok(relFrobenius(got.values, ref.values) <= 1e-5, `${relFrobenius(got.values, ref.values)}`);
        // A small budget forms the per-example gradients a block of output channels at a time.
        const blocked = await ntk(model, x1, other, { outputs: 'full', maxBytes: 4_000_000 });
        assert.ok(relFrobenius(blocked.values, ref.values) <= 1e-5);
      }
    } finally {
      tf.dispose([x1, x2]);
    }
  } finally {
    model.dispose();
  }
});
