/** Bad input gives a named error; after every public call, failing ones included, numTensors is unchanged. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError, NonFiniteError, ShapeError, UnsupportedModelError } from '../../src/errors';
import { mlp } from '../../src/models';
import { ck, ntk, ntkLayerwise } from '../../src/ntk';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

test('bad inputs raise named errors', async () => {
  const net = mlp({ inputDim: 3, widths: [4], seed: 0 });
  try {
    const good = gaussianRows(4, 3, 1);
    await assert.rejects(ntk(net, gaussianRows(4, 5, 1)), (e: unknown) => e instanceof ShapeError && /dimension 5, the model expects 3/.test(e.message));
    await assert.rejects(ntk(net, [[1, 2, 3], [1, 2]]), (e: unknown) => e instanceof ShapeError && /ragged/.test(e.message));
    await assert.rejects(ntk(net, []), (e: unknown) => e instanceof ShapeError && /empty batch/.test(e.message));
    await assert.rejects(ntk(net, good, [[0, NaN, 1]]), (e: unknown) => e instanceof NonFiniteError && /x2: non-finite value NaN at row 0, column 1/.test(e.message));
    await assert.rejects(ntk(net, [[0, Infinity, 1]]), NonFiniteError);
    await assert.rejects(ntk(net, good, undefined, { outputs: 'bogus' as 'full' }), InvalidOptionError);
    await assert.rejects(ntk(net, good, undefined, { method: 'newton' as 'auto' }), InvalidOptionError);
    assert.throws(() => mlp({ inputDim: 3, widths: [4], activation: 'swish' as 'relu' }), (e: unknown) => e instanceof InvalidOptionError && /unknown activation 'swish'/.test(e.message));
    assert.throws(() => mlp({ inputDim: 0, widths: [4] }), InvalidOptionError);
    const w = net.getWeights();
    w[0].W[2] = NaN;
    assert.throws(() => net.setWeights(w), (e: unknown) => e instanceof NonFiniteError && /layer1\/weight/.test(e.message));
    // A variable that turned NaN after construction (e.g. a diverged training step) is caught by the kernel call.
    const nanBias = tf.tensor1d([0, NaN, 0, 0]);
    net.params[1].assign(nanBias);
    nanBias.dispose();
    await assert.rejects(ntk(net, good), (e: unknown) => e instanceof NonFiniteError && /layer1\/bias: weight NaN at index 1/.test(e.message));
  } finally {
    net.dispose();
  }
});

test('a non-MLP model given to the explicit method names the autodiff method', async () => {
  const x = tfl.input({ shape: [3] });
  const y = tfl.layers.dense({ units: 2 }).apply(x) as tfl.SymbolicTensor;
  const functional = tfl.model({ inputs: x, outputs: y });
  const conv = tfl.sequential({ layers: [tfl.layers.reshape({ targetShape: [3, 1], inputShape: [3] }), tfl.layers.conv1d({ filters: 2, kernelSize: 2 })] });
  try {
    for (const model of [functional, conv]) {
      await assert.rejects(ntk(model, gaussianRows(2, 3, 1), undefined, { method: 'explicit' }), (e: unknown) => e instanceof UnsupportedModelError && /method: 'jacobian'/.test(e.message));
    }
  } finally {
    functional.dispose();
    conv.dispose();
  }
});

test('a tf.Sequential of Dense layers: explicit equals jacobian, with the same labels; a frozen layer is refused', async () => {
  const seq = tfl.sequential({ layers: [tfl.layers.dense({ units: 5, activation: 'tanh', inputShape: [3], name: 'hidden' }), tfl.layers.dense({ units: 1, name: 'out' })] });
  try {
    const x = gaussianRows(4, 3, 2);
    const explicit = await ntkLayerwise(seq, x, undefined, { method: 'explicit' });
    const jacobian = await ntkLayerwise(seq, x, undefined, { method: 'jacobian' });
    assert.deepEqual(explicit.components.map((c) => c.label), ['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias']);
    assert.deepEqual(explicit.components.map((c) => c.label), jacobian.components.map((c) => c.label));
    let err = 0;
    let norm = 0;
    explicit.ntk.values.forEach((v, i) => {
      err += (v - jacobian.ntk.values[i]) ** 2;
      norm += v * v;
    });
    assert.ok(Math.sqrt(err / norm) <= 1e-5, `explicit vs jacobian ${Math.sqrt(err / norm)}`);
    seq.layers[0].trainable = false;
    await assert.rejects(ntk(seq, x, undefined, { method: 'explicit' }), (e: unknown) => e instanceof UnsupportedModelError && /frozen/.test(e.message));
  } finally {
    seq.dispose();
  }
});

test('leak test: numTensors unchanged over 20 calls, failing ones included', async () => {
  const net = mlp({ inputDim: 3, widths: [8, 8], outputDim: 2, seed: 0 });
  try {
    const good = tf.tensor2d(gaussianRows(6, 3, 1));
    const bad = tf.tensor2d(gaussianRows(6, 4, 1));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) {
      await ntk(net, good);
      await ntkLayerwise(net, good, good, { outputs: 'diagonal', tile: 4 });
      await ck(net, good);
      await assert.rejects(ntk(net, bad), ShapeError);
      await assert.rejects(ntk(net, good, undefined, { maxBytes: 10 }), /maxBytes/);
    }
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([good, bad]);
  } finally {
    net.dispose();
  }
});
