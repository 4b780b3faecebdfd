/**
 * Bringing a model trained in PyTorch (docs/data.md's recipe): test/fixtures/make_data_fixtures.py trains a tiny
 * torch MLP and CNN for a few SGD steps, saves their state_dicts as safetensors (and the CNN's as .npz) and
 * records their outputs on probe inputs (float64 forward). Here the weights are set by name into an ntk-lab mlp,
 * a tf.sequential MLP and a tf.sequential CNN, whose float32 outputs must agree to ~1e-6; likewise a JAX MLP (.npz).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assignWeights, DataFormatError, permuteAxes, readNpz, readSafetensors } from '../../src/data';
import { mlp } from '../../src/models';
import { ShapeError } from '../../src/errors';
import { setupBackend } from '../helpers/setup';
import { EXPECTED, fixture, maxAbsDiff } from './fixtures';

/** Largest |a - b| relative to max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  return maxAbsDiff(a, b) / scale;
}

const TORCH_MLP = {
  'layer1/weight': { from: 'fc1.weight', permute: [1, 0] }, 'layer1/bias': 'fc1.bias',
  'layer2/weight': { from: 'fc2.weight', permute: [1, 0] }, 'layer2/bias': 'fc2.bias',
  'layer3/weight': { from: 'out.weight', permute: [1, 0] }, 'layer3/bias': 'out.bias',
};

test('readSafetensors: every dtype torch writes (f16, bf16 widened exactly; i64 exact), metadata, numpy-written files', async () => {
  const { tensors } = await readSafetensors(fixture('dtypes.safetensors'));
  for (const [k, a] of Object.entries(tensors)) {
    const r = EXPECTED.arrays[`safetensors/${k}`];
    assert.equal(a.dtype, r.dtype, k);
    assert.deepEqual(a.shape, r.shape, k);
    r.values.forEach((v, i) => (typeof v === 'string' ? assert.equal(a.data[i], BigInt(v), k) : assert.equal(Number(a.data[i]), v, k)));
  }
  const m = await readSafetensors(fixture('torch_mlp.safetensors'));
  assert.equal(m.metadata.arch, '4-16-16-3 tanh');
  assert.deepEqual(m.tensors['fc1.weight'].shape, [16, 4]);
  const np = await readSafetensors(readFileSync(fixture('numpy.safetensors')));
  assert.deepEqual(Array.from(np.tensors.w.data as Float32Array), [0, 1, 2, 3, 4, 5]);
});

test('a torch MLP into an ntk-lab mlp (standard parameterisation) and into tf.sequential: outputs agree to 1e-6', async () => {
  await setupBackend();
  const start = tf.memory().numTensors;
  const { tensors } = await readSafetensors(fixture('torch_mlp.safetensors'));
  const { x, y } = EXPECTED.torch_mlp;
  const net = mlp({ inputDim: 4, widths: [16, 16], outputDim: 3, activation: 'tanh', parameterization: 'standard', seed: 1 });
  assignWeights(net, tensors, TORCH_MLP);
  const seq = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 16, activation: 'tanh', inputShape: [4], name: 'fc1' }),
      tfl.layers.dense({ units: 16, activation: 'tanh', name: 'fc2' }),
      tfl.layers.dense({ units: 3, name: 'out' }),
    ],
  });
  assignWeights(seq, tensors, {
    'fc1/kernel': { from: 'fc1.weight', permute: [1, 0] }, 'fc1/bias': 'fc1.bias',
    'fc2/kernel': { from: 'fc2.weight', permute: [1, 0] }, 'fc2/bias': 'fc2.bias',
    'out/kernel': { from: 'out.weight', permute: [1, 0] }, 'out/bias': 'out.bias',
  });
  const input = tf.tensor2d(x, [8, 4]);
  const a = net.predict(input);
  const b = seq.predict(input) as tf.Tensor;
  const ea = relErr(a.dataSync(), y);
  const eb = relErr(b.dataSync(), y);
  assert.ok(ea < 1e-6 && eb < 1e-6, `relative errors ${ea}, ${eb}`);
  tf.dispose([input, a, b]);
  net.dispose();
  seq.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('a torch CNN (Conv2d [out, in, kh, kw] -> tfjs [kh, kw, in, out]) from safetensors and from .npz: outputs agree to 1e-6', async () => {
  await setupBackend();
  const start = tf.memory().numTensors;
  const { x, y } = EXPECTED.torch_cnn;
  const sources = [(await readSafetensors(fixture('torch_cnn.safetensors'))).tensors, await readNpz(fixture('torch_cnn.npz'))];
  for (const tensors of sources) {
    const cnn = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1], name: 'conv' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2, name: 'fc' }),
      ],
    });
    assignWeights(cnn, tensors, {
      'conv/kernel': { from: 'conv.weight', permute: [2, 3, 1, 0] }, 'conv/bias': 'conv.bias',
      'fc/kernel': { from: 'fc.weight', permute: [1, 0] }, 'fc/bias': 'fc.bias',
    });
    const input = tf.tensor4d(x, [5, 6, 6, 1]);
    const out = cnn.predict(input) as tf.Tensor;
    const e = relErr(out.dataSync(), y);
    assert.ok(e < 1e-6, `relative error ${e}`);
    tf.dispose([input, out]);
    cnn.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('a JAX MLP (kernels [in, out], as flax and Keras store them) from .npz into an ntk-lab gelu mlp, no permutation: outputs agree to 1e-6', async () => {
  await setupBackend();
  const start = tf.memory().numTensors;
  const params = await readNpz(fixture('jax_mlp.npz'));
  const { x, y } = EXPECTED.jax_mlp;
  const net = mlp({ inputDim: 5, widths: [8], outputDim: 2, activation: 'gelu', parameterization: 'standard', seed: 3 });
  assignWeights(net, params, { 'layer1/weight': 'dense0/kernel', 'layer1/bias': 'dense0/bias', 'layer2/weight': 'dense1/kernel', 'layer2/bias': 'dense1/bias' });
  const input = tf.tensor2d(x, [4, 5]);
  const out = net.predict(input);
  const e = relErr(out.dataSync(), y);
  assert.ok(e < 1e-6, `relative error ${e}`);
  tf.dispose([input, out]);
  net.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('permuteAxes is numpy.transpose; bad mappings are ShapeErrors that leave the model unchanged; damaged files DataFormatErrors', async () => {
  await setupBackend();
  const a = { dtype: 'float32' as const, shape: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => i) };
  const p = permuteAxes(a, [2, 0, 1]);
  assert.deepEqual(p.shape, [4, 2, 3]);
  // numpy.transpose(arange(24).reshape(2, 3, 4), (2, 0, 1))[k, i, j] = a[i, j, k] = 12 i + 4 j + k.
  for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) assert.equal(p.data[k * 6 + i * 3 + j], 12 * i + 4 * j + k);
  assert.throws(() => permuteAxes(a, [0, 0, 1]), ShapeError);
  const { tensors } = await readSafetensors(fixture('torch_mlp.safetensors'));
  const net = mlp({ inputDim: 4, widths: [16, 16], outputDim: 3, activation: 'tanh', parameterization: 'standard', seed: 1 });
  const before = net.getWeights();
  assert.throws(() => assignWeights(net, tensors, { ...TORCH_MLP, 'layer1/weight': 'fc1.weight' }), /'layer1\/weight' is \[4, 16\], 'fc1.weight' is \[16, 4\]/);
  assert.throws(() => assignWeights(net, tensors, { ...TORCH_MLP, 'layer9/bias': 'fc1.bias' }), /has no weight 'layer9\/bias'/);
  const { 'layer3/bias': _dropped, ...partial } = TORCH_MLP;
  assert.throws(() => assignWeights(net, tensors, partial), /no source for layer3\/bias/);
  assert.throws(() => assignWeights(net, tensors, { ...TORCH_MLP, 'layer3/bias': 'nope' }), /maps to 'nope', which is not among the tensors/);
  assert.deepEqual(net.getWeights(), before, 'a failed assignment changes nothing');
  net.dispose();
  const good = readFileSync(fixture('numpy.safetensors'));
  const isData = (re: RegExp) => (e: Error) => e instanceof DataFormatError && re.test(e.message);
  await assert.rejects(readSafetensors(good.subarray(0, 5)), isData(/shorter than its 8-byte header length/));
  await assert.rejects(readSafetensors(good.subarray(0, good.length - 4)), isData(/tensor 'w' ends at byte 96, the file has 92 \(truncated\)/));
  const huge = Buffer.from(good);
  huge.writeUInt32LE(1 << 30, 0);
  await assert.rejects(readSafetensors(huge), isData(/header length 1073741824 exceeds the file/));
  const garbled = Buffer.from(good);
  garbled[8] = 0x5b; // '[' instead of '{'
  await assert.rejects(readSafetensors(garbled), isData(/header is not (JSON|a JSON object)/));
});
