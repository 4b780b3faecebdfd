/** Acceptance 6 of NTK part 2: tf.memory().numTensors is unchanged over 20 calls of every method, failing ones included. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MemoryBudgetError, ShapeError } from '../../src/errors';
import { mlp } from '../../src/models';
import { PureModel, ntk, ntkLayerwise, ntkVp } from '../../src/ntk';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

test('leak test: jacobian (engine, generic path, pure function), vp and auto over 20 calls, failing ones included', async () => {
  const cnn = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.prelu({ alphaInitializer: tfl.initializers.constant({ value: 0.2 }) }), // no rule of its own: the generic path, with a weight
      tfl.layers.dense({ units: 2, activation: 'softmax' }),
    ],
  });
  const net = mlp({ inputDim: 3, widths: [5], outputDim: 2, seed: 0 });
  const W = tf.randomNormal([3, 2], 0, 1, 'float32', 1);
  const pure: PureModel = { apply: (p, x) => tf.tanh(tf.matMul(x as tf.Tensor2D, p[0] as tf.Tensor2D)), params: [W] };
  const images = tf.randomNormal([4, 6, 6, 1], 0, 1, 'float32', 2);
  const wrong = tf.randomNormal([4, 5, 5, 1], 0, 1, 'float32', 3);
  const rows = gaussianRows(4, 3, 1);
  try {
    // One untimed round first: tfjs-layers keeps some tensors of its own on a layer's first call.
    await ntk(cnn, images);
    await ntkVp(cnn, images, new Float32Array(8));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) {
      await ntkLayerwise(cnn, images, images, { method: 'jacobian', outputs: 'diagonal', tile: 3 });
      await ntk(pure, rows, undefined, { outputs: 'full' });
      await ntkVp(cnn, images, new Float32Array(8).fill(1));
      await ntkVp(pure, rows, new Float32Array(8).fill(1));
      await ntk(net, rows); // auto: explicit
      await assert.rejects(ntk(cnn, wrong), ShapeError);
      await assert.rejects(ntk(cnn, images, undefined, { maxBytes: 100 }), MemoryBudgetError);
      await assert.rejects(ntkVp(pure, rows, new Float32Array(3)), ShapeError);
      await assert.rejects(ntk(pure, gaussianRows(4, 2, 1)), Error);
      await assert.rejects(ntk(net, rows, undefined, { method: 'vp' }), /ntkVp/);
    }
    assert.equal(tf.memory().numTensors, before);
  } finally {
    tf.dispose([W, images, wrong]);
    cnn.dispose();
    net.dispose();
  }
});
