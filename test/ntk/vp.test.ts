/** Acceptance 3 of NTK part 2: ntkVp(model, x, v) equals ntk(model, x) v (<= 1e-4) for 5 random v, on every model kind. */
import { TestContext, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ShapeError } from '../../src/errors';
import { mlp } from '../../src/models';
import { AutodiffModel, PureModel, ntk, ntkVp } from '../../src/ntk';
import { Rng } from '../../src/random';
import { relFrobenius } from '../helpers/finite-differences';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

/** Checks ntkVp against the 'full' kernel times v for 5 random v. */
async function check(t: TestContext, model: AutodiffModel, x: tf.Tensor | number[][], k: number, method: 'explicit' | 'jacobian'): Promise<void> {
  const K = await ntk(model, x, undefined, { method, outputs: 'full' });
  const nk = K.rows;
  assert.equal(nk % k, 0);
  const rng = new Rng(7);
  let worst = 0;
  for (let r = 0; r < 5; r++) {
    const v = rng.normals32(nk);
    const ref = new Float64Array(nk);
    for (let i = 0; i < nk; i++) for (let j = 0; j < nk; j++) ref[i] += K.values[i * nk + j] * v[j];
    const got = await ntkVp(model, x, v, { maxBytes: r === 0 ? 20_000 : undefined });
    const err = relFrobenius(got, ref);
    assert.ok(err <= 1e-4, `v #${r}: ${err}`);
    worst = Math.max(worst, err);
  }
  t.diagnostic(`worst relative error over 5 v: ${worst.toExponential(2)}`);
}

test('MLP (ntk-lab): ntkVp == explicit NTK times v', async (t) => {
  const net = mlp({ inputDim: 6, widths: [32, 16], outputDim: 2, activation: 'tanh', seed: 1 });
  try {
    await check(t, net, gaussianRows(11, 6, 1), 2, 'explicit');
  } finally {
    net.dispose();
  }
});

test('CNN (conv + max pool + dense, softmax): ntkVp == jacobian NTK times v', async (t) => {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1], padding: 'same' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 4, kernelSize: 2, strides: 2, activation: 'tanh' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  const x = tf.randomNormal([9, 8, 8, 1], 0, 1, 'float32', 3);
  try {
    await check(t, model, x, 3, 'jacobian');
  } finally {
    x.dispose();
    model.dispose();
  }
});

test('functional model with a branch, embedding and a layer on the generic path: ntkVp == NTK v', async (t) => {
  const input = tfl.input({ shape: [5] });
  const e = tfl.layers.embedding({ inputDim: 7, outputDim: 4 }).apply(input) as tfl.SymbolicTensor;
  const a = tfl.layers.dense({ units: 6, activation: 'tanh' }).apply(e) as tfl.SymbolicTensor;
  const b = tfl.layers.prelu({ alphaInitializer: tfl.initializers.constant({ value: 0.2 }) }).apply(a) as tfl.SymbolicTensor; // PReLU: no rule of its own, its alpha on the generic path
  const c = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2 }).apply(tfl.layers.flatten().apply(c)) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  const rng = new Rng(4);
  const x = Array.from({ length: 7 }, () => Array.from({ length: 5 }, () => Math.floor(rng.uniform() * 7)));
  try {
    await check(t, model, x, 2, 'jacobian');
  } finally {
    model.dispose();
  }
});

test('pure function f(params, x): ntkVp (transpose trick) == NTK v', async (t) => {
  const W1 = tf.randomNormal([4, 10], 0, 0.5, 'float32', 1);
  const b1 = tf.randomNormal([10], 0, 0.1, 'float32', 2);
  const W2 = tf.randomNormal([10, 2], 0, 0.5, 'float32', 3);
  const f: PureModel = {
    apply: (p, x) => tf.matMul(tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, p[0] as tf.Tensor2D), p[1])), p[2] as tf.Tensor2D),
    params: [W1, b1, W2],
    paramLabels: ['W1', 'b1', 'W2'],
  };
  try {
    await check(t, f, gaussianRows(8, 4, 2), 2, 'jacobian');
  } finally {
    tf.dispose([W1, b1, W2]);
  }
});

test('ntkVp: v of the wrong length is a ShapeError naming n k', async () => {
  const net = mlp({ inputDim: 3, widths: [4], outputDim: 2, seed: 0 });
  try {
    await assert.rejects(ntkVp(net, gaussianRows(5, 3, 1), new Float32Array(5)), (e: unknown) => e instanceof ShapeError && /expected 10 values/.test(e.message));
  } finally {
    net.dispose();
  }
});
