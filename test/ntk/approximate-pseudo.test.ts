/**
 * pseudoNtk (issue 18 item 4.1): the kernel against an independent route (float64 finite differences of the summed
 * output of a tiny MLP) and against the identity pseudo = (1/k) sum_ab Theta_ab of the 'full' NTK on a CNN; the
 * reported error within a factor 2 of the error measured against the exact trace-NTK / k; tensors; bad input.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError, NonFiniteError } from '../../src/errors';
import { Mlp, activation, mlp } from '../../src/models';
import { ntk, ntkLayerwise } from '../../src/ntk';
import { pseudoNtk } from '../../src/ntk/approximate';
import { fdJacobians, relFrobenius } from '../helpers/finite-differences';
import { gaussianRows, setupBackend } from '../helpers/setup';
import { smallCnn } from '../helpers/small-cnn';

before(setupBackend);

test('pseudo-NTK of a tiny MLP equals J_g J_g^T of g = sum_a f_a / sqrt(k) by float64 finite differences', async () => {
  const net = mlp({ inputDim: 3, widths: [5, 4], outputDim: 3, activation: 'tanh', seed: 4 });
  const xs = gaussianRows(6, 3, 5);
  try {
    const { kernel } = await pseudoNtk(net, xs, { subset: 0 });
    const k = 3;
    const jac = fdJacobians({ layers: net.layers, weights: net.getWeights(), act: activation }, xs);
    // Gradient of the summed output: the sum of the outputs' gradients / sqrt(k), tensor by tensor.
    const grads = xs.map((_, i) => jac.map((perTensor) => {
      const P = perTensor[i].length / k;
      const g = new Float64Array(P);
      for (let a = 0; a < k; a++) for (let q = 0; q < P; q++) g[q] += perTensor[i][a * P + q] / Math.sqrt(k);
      return g;
    }));
    const ref = new Float64Array(36);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
      let s = 0;
      grads[i].forEach((g, t) => g.forEach((v, q) => (s += v * grads[j][t][q])));
      ref[i * 6 + j] = s;
    }
    const err = relFrobenius(kernel.values, ref);
    assert.ok(err < 2e-5, `pseudo-NTK vs finite differences: relative error ${err}`);
    assert.deepEqual(kernel.shape, [6, 6]);
    assert.equal(kernel.label, 'pseudo-ntk');
  } finally {
    net.dispose();
  }
});

test('pseudo-NTK of a CNN (autodiff path) is (1/k) sum_ab of the full-layout NTK blocks', async () => {
  const cnn = smallCnn(1, 3);
  const x = tf.randomNormal([10, 6, 6, 1], 0, 1, 'float32', 3);
  try {
    const { kernel } = await pseudoNtk(cnn, x, { subset: 0 });
    const full = await ntk(cnn, x, undefined, { outputs: 'full' });
    const ref = new Float64Array(100);
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) ref[i * 10 + j] += full.values[(i * 3 + a) * 30 + j * 3 + b] / 3;
    const err = relFrobenius(kernel.values, ref);
    assert.ok(err < 1e-5, `CNN pseudo-NTK vs full NTK: ${err}`);
  } finally {
    x.dispose();
    cnn.dispose();
  }
});

test('reported error within a factor 2 of the measured error against trace-NTK / k (MLPs, CNN, seeds); k = 1 is exact', async (t) => {
  const cases: { name: string; model: () => { model: Parameters<typeof pseudoNtk>[0]; dispose(): void }; x: () => tf.Tensor | number[][] }[] = [
    { name: 'relu mlp 8-64-64-3', model: () => { const m = mlp({ inputDim: 8, widths: [64, 64], outputDim: 3, seed: 1 }); return { model: m, dispose: () => m.dispose() }; }, x: () => gaussianRows(80, 8, 2) },
    { name: 'tanh mlp 6-32-5', model: () => { const m = mlp({ inputDim: 6, widths: [32], outputDim: 5, activation: 'tanh', seed: 7 }); return { model: m, dispose: () => m.dispose() }; }, x: () => gaussianRows(64, 6, 3) },
    { name: 'cnn conv3x3(4)-dense(3)', model: () => { const m = smallCnn(11, 3); return { model: m, dispose: () => m.dispose() }; }, x: () => tf.randomNormal([48, 6, 6, 1], 0, 1, 'float32', 9) },
  ];
  for (const c of cases) {
    const { model, dispose } = c.model();
    const x = c.x();
    try {
      const trace = await ntk(model, x);
      const k = trace.outputs;
      const ref = trace.values.map((v) => v / k);
      for (const seed of [0, 1, 2]) {
        const r = await pseudoNtk(model, x, { subset: 24, seed });
        const measured = relFrobenius(r.kernel.values, ref);
        const ratio = r.error.estimate / measured;
        t.diagnostic(`${c.name}, seed ${seed}: reported ${r.error.estimate.toFixed(4)}, measured ${measured.toFixed(4)}`);
        assert.ok(ratio > 0.5 && ratio < 2, `${c.name}, seed ${seed}: reported ${r.error.estimate.toFixed(4)} vs measured ${measured.toFixed(4)}`);
        assert.equal(r.error.subset, 24);
        assert.equal(r.outputs, k);
        assert.ok(measured > 1e-3, `${c.name}: the approximation is not trivially exact (${measured})`);
      }
    } finally {
      if (x instanceof tf.Tensor) x.dispose();
      dispose();
    }
  }
  const one = mlp({ inputDim: 4, widths: [16], seed: 2 });
  const xs = gaussianRows(20, 4, 1);
  try {
    const r = await pseudoNtk(one, xs);
    assert.equal(r.error.estimate, 0);
    assert.ok(relFrobenius(r.kernel.values, (await ntk(one, xs)).values) < 1e-6);
  } finally {
    one.dispose();
  }
});

test('identical output heads (fully correlated): the pseudo-NTK is off by (k - 1) times the hidden layers\' part, and the estimate says so', async () => {
  const base = mlp({ inputDim: 5, widths: [32], outputDim: 3, seed: 6 });
  const w = base.getWeights();
  const W = w[1].W;
  for (let i = 0; i < 32; i++) for (let a = 1; a < 3; a++) W[i * 3 + a] = W[i * 3];
  const net = new Mlp([...base.layers], w, 'three identical heads');
  const xs = gaussianRows(30, 5, 2);
  try {
    const r = await pseudoNtk(net, xs, { subset: 12 });
    const { ntk: T, components } = await ntkLayerwise(net, xs);
    const ref = T.values.map((v) => v / 3);
    const measured = relFrobenius(r.kernel.values, ref);
    // Identical heads share the hidden layer's gradients (Theta_ab = hidden part / k for a != b); the output layer's are orthogonal.
    const hidden = components.filter((c) => c.label.startsWith('layer1/')).reduce((acc, c) => acc.map((v, q) => v + c.values[q] / 3), new Float64Array(900));
    const predicted = Math.sqrt(hidden.reduce((s, v) => s + (2 * v) ** 2, 0) / ref.reduce((s, v) => s + v * v, 0));
    assert.ok(Math.abs(measured / predicted - 1) < 1e-4, `measured ${measured} vs (k - 1) |hidden| / |trace / k| = ${predicted}`);
    assert.ok(measured > 0.5, `correlated heads: error ${measured}`);
    const ratio = r.error.estimate / measured;
    assert.ok(ratio > 0.5 && ratio < 2, `reported ${r.error.estimate} vs measured ${measured}`);
  } finally {
    base.dispose();
    net.dispose();
  }
});

test('pseudoNtk: tensors return to their start count; bad input gives named errors', async () => {
  const net = mlp({ inputDim: 3, widths: [8], outputDim: 2, seed: 0 });
  const cnn = smallCnn(3, 2);
  const images = tf.randomNormal([6, 6, 6, 1], 0, 1, 'float32', 1);
  const W = tf.randomNormal([3, 2], 0, 1, 'float32', 2);
  const pure = { apply: (p: tf.Tensor[], x: tf.Tensor) => tf.tanh(tf.matMul(tf.matMul(x as tf.Tensor2D, p[0] as tf.Tensor2D), tf.ones([2, 2]))), params: [W] };
  const xs = gaussianRows(6, 3, 4);
  try {
    await pseudoNtk(cnn, images, { subset: 3 }); // tfjs-layers keeps tensors of its own on a layer's first call
    const start = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await pseudoNtk(net, xs, { subset: 4 });
      await pseudoNtk(cnn, images, { subset: 3 });
      const rp = await pseudoNtk(pure, xs, { subset: 4 });
      assert.ok(rp.error.estimate > 1e-3, 'the pure model has correlated heads');
      await assert.rejects(pseudoNtk(net, [[1, NaN, 0], [0, 0, 0]]), NonFiniteError);
      await assert.rejects(pseudoNtk(net, xs, { subset: -1 }), InvalidOptionError);
      await assert.rejects(pseudoNtk(net, xs, { method: 'vp' }), InvalidOptionError);
    }
    assert.equal(tf.memory().numTensors, start);
  } finally {
    tf.dispose([images, W]);
    cnn.dispose();
    net.dispose();
  }
});
