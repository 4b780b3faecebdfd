/**
 * sketchedNtk (issue 18 item 4.2): unbiased by Monte Carlo over seeds; its variance against the closed form
 * computed from the inputs alone (a linear model); the reported (expected) error within a factor 2 of the error
 * measured against ntk() on several models and seeds; the error falls like 1/sqrt(m) (fitted log-log slope over
 * m = 64..4096); seeded and reproducible, the same seed sketching every batch alike; tensors; bad options.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError, MemoryBudgetError, NonFiniteError, UnsupportedModelError } from '../../src/errors';
import { mlp } from '../../src/models';
import { ntk } from '../../src/ntk';
import { sketchedNtk } from '../../src/ntk/approximate';
import { relFrobenius } from '../helpers/finite-differences';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

test('unbiased: the mean over 100 seeds approaches the exact kernel as the predicted error / sqrt(100)', async () => {
  const net = mlp({ inputDim: 6, widths: [32], outputDim: 2, seed: 3 });
  const xs = gaussianRows(12, 6, 4);
  try {
    const K = await ntk(net, xs);
    const R = 100;
    const mean = new Float64Array(K.values.length);
    let predicted = 0;
    for (let s = 0; s < R; s++) {
      const r = await sketchedNtk(net, xs, { dim: 64, seed: 1000 + s });
      r.kernel!.values.forEach((v, q) => (mean[q] += v / R));
      predicted += r.error.estimate / R;
    }
    const err = relFrobenius(mean, K.values);
    const expected = predicted / Math.sqrt(R);
    assert.ok(err > 0.5 * expected && err < 2 * expected, `mean of ${R} sketches: error ${err.toFixed(4)}, predicted ${expected.toFixed(4)}`);
  } finally {
    net.dispose();
  }
});

test('variance of a linear model\'s sketch matches the closed form 3 wm^4 (|x_i|^2 |x_j|^2 + 2 (x_i.x_j)^2) - wm^4 (x_i.x_j)^2, over m', async () => {
  const d = 5;
  const m = 16;
  const net = mlp({ inputDim: d, widths: [], bias: false, seed: 1 });
  const xs = gaussianRows(4, d, 2);
  try {
    const wm2 = 1 / d; // NTK parameterisation: wm = 1 / sqrt(d)
    const dot = (a: number[], b: number[]): number => a.reduce((s, v, i) => s + v * b[i], 0);
    const R = 4000;
    const sum = new Float64Array(16);
    const sq = new Float64Array(16);
    for (let s = 0; s < R; s++) {
      const r = await sketchedNtk(net, xs, { dim: m, seed: s });
      r.kernel!.values.forEach((v, q) => {
        sum[q] += v;
        sq[q] += v * v;
      });
    }
    let mc = 0;
    let formula = 0;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      const q = i * 4 + j;
      const H = dot(xs[i], xs[j]);
      const v = (wm2 * wm2 * (3 * (dot(xs[i], xs[i]) * dot(xs[j], xs[j]) + 2 * H * H) - H * H)) / m;
      const sample = (sq[q] - (sum[q] * sum[q]) / R) / (R - 1);
      assert.ok(sample > 0.75 * v && sample < 1.33 * v, `pair (${i}, ${j}): Monte Carlo variance ${sample.toExponential(3)} vs formula ${v.toExponential(3)}`);
      mc += sample;
      formula += v;
    }
    assert.ok(Math.abs(mc / formula - 1) < 0.15, `summed variances: Monte Carlo ${mc.toExponential(3)} vs formula ${formula.toExponential(3)}`);
  } finally {
    net.dispose();
  }
});

test('reported error within a factor 2 of the measured error (MLPs with 1 and 3 outputs, a Dense Sequential, seeds, m)', async (t) => {
  const ratios: number[] = [];
  const dense = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 24, activation: 'tanh', inputShape: [6], kernelInitializer: tfl.initializers.glorotNormal({ seed: 5 }) }),
      tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotNormal({ seed: 6 }) }),
    ],
  });
  const nets = [
    { name: 'relu 6-32-1', model: mlp({ inputDim: 6, widths: [32], seed: 1 }) },
    { name: 'relu 6-64-64-3', model: mlp({ inputDim: 6, widths: [64, 64], outputDim: 3, seed: 2 }) },
    { name: 'tanh 6-32-32-1, standard', model: mlp({ inputDim: 6, widths: [32, 32], activation: 'tanh', parameterization: 'standard', seed: 3 }) },
  ];
  const xs = gaussianRows(40, 6, 7);
  try {
    for (const { name, model } of [...nets, { name: 'tf.Sequential dense', model: dense }]) {
      const K = await ntk(model, xs);
      for (const [dim, seed] of [[64, 0], [256, 1], [1024, 2]]) {
        const r = await sketchedNtk(model, xs, { dim, seed });
        const measured = relFrobenius(r.kernel!.values, K.values);
        const ratio = r.error.estimate / measured;
        ratios.push(ratio);
        assert.ok(ratio > 0.5 && ratio < 2, `${name}, m = ${dim}, seed ${seed}: reported ${r.error.estimate.toFixed(4)} vs measured ${measured.toFixed(4)}`);
        assert.equal(r.features.rows, 40 * r.outputs);
        assert.equal(r.features.cols, dim);
        assert.equal(r.cost.exactEntries, 0);
      }
      // Without the kernel the estimate comes from the sampled pairs alone, and stays close.
      const a = await sketchedNtk(model, xs, { dim: 256, seed: 1 });
      const b = await sketchedNtk(model, xs, { dim: 256, seed: 1, kernel: false });
      assert.equal(b.kernel, null);
      assert.ok(Math.abs(b.error.estimate / a.error.estimate - 1) < 0.3, `${name}: without the kernel ${b.error.estimate} vs ${a.error.estimate}`);
    }
    t.diagnostic(`reported / measured over ${ratios.length} cases: ${Math.min(...ratios).toFixed(2)} .. ${Math.max(...ratios).toFixed(2)}`);
  } finally {
    nets.forEach((n) => n.model.dispose());
    dense.dispose();
  }
});

test('the error falls like 1/sqrt(m): fitted log-log slope of the RMS error over 4 seeds, m = 64..4096', async (t) => {
  const net = mlp({ inputDim: 10, widths: [64, 64], outputDim: 1, seed: 5 });
  const xs = gaussianRows(32, 10, 6);
  try {
    const K = await ntk(net, xs);
    const ms = [64, 128, 256, 512, 1024, 2048, 4096];
    const logs: [number, number, number][] = [];
    for (const m of ms) {
      let sq = 0;
      let est = 0;
      for (let s = 0; s < 4; s++) {
        const r = await sketchedNtk(net, xs, { dim: m, seed: 17 * s + m });
        sq += relFrobenius(r.kernel!.values, K.values) ** 2 / 4;
        est += r.error.estimate / 4;
      }
      logs.push([Math.log(m), Math.log(Math.sqrt(sq)), Math.log(est)]);
    }
    const slope = (col: 1 | 2): number => {
      const mx = logs.reduce((s, p) => s + p[0], 0) / logs.length;
      const my = logs.reduce((s, p) => s + p[col], 0) / logs.length;
      let num = 0;
      let den = 0;
      for (const p of logs) {
        num += (p[0] - mx) * (p[col] - my);
        den += (p[0] - mx) ** 2;
      }
      return num / den;
    };
    const measured = slope(1);
    const reported = slope(2);
    t.diagnostic(`slopes: measured ${measured.toFixed(3)}, reported ${reported.toFixed(3)}; RMS error at m = 64: ${Math.exp(logs[0][1]).toFixed(4)}, m = 4096: ${Math.exp(logs[6][1]).toFixed(4)}`);
    assert.ok(measured >= -0.65 && measured <= -0.35, `measured slope ${measured.toFixed(3)}`);
    assert.ok(reported >= -0.65 && reported <= -0.35, `reported slope ${reported.toFixed(3)}`);
  } finally {
    net.dispose();
  }
});

test('seeded: the same seed gives the same features, another seed others, and a sub-batch the same rows (streaming)', async () => {
  const net = mlp({ inputDim: 4, widths: [16], outputDim: 2, seed: 0 });
  const xs = gaussianRows(20, 4, 1);
  try {
    const a = await sketchedNtk(net, xs, { dim: 32, seed: 9 });
    const b = await sketchedNtk(net, xs, { dim: 32, seed: 9 });
    const c = await sketchedNtk(net, xs, { dim: 32, seed: 10 });
    assert.deepEqual(a.features.data, b.features.data);
    assert.deepEqual(a.kernel!.values, b.kernel!.values);
    assert.ok(relFrobenius(c.features.data, a.features.data) > 0.5);
    const part = await sketchedNtk(net, xs.slice(5, 12), { dim: 32, seed: 9, kernel: false });
    const rows = a.features.data.subarray(5 * 2 * 32, 12 * 2 * 32);
    assert.ok(relFrobenius(part.features.data, rows) < 1e-6);
  } finally {
    net.dispose();
  }
});

test('sketchedNtk: tensors return to their start count; bad options and models give named errors', async () => {
  const net = mlp({ inputDim: 3, widths: [8], seed: 0 });
  const cnn = tfl.sequential({ layers: [tfl.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] }), tfl.layers.flatten(), tfl.layers.dense({ units: 1 })] });
  const dense = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), tfl.layers.dense({ units: 2 })] });
  const xs = gaussianRows(6, 3, 4);
  const xt = tf.tensor2d(xs);
  try {
    await sketchedNtk(net, xs, { dim: 8 });
    await sketchedNtk(dense, xt, { dim: 8 });
    const start = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await sketchedNtk(net, xs, { dim: 8, seed: i });
      await sketchedNtk(dense, xt, { dim: 8, seed: i }); // a tensor input
      for (const dim of [0, -4, 2.5, NaN]) await assert.rejects(sketchedNtk(net, xs, { dim }), InvalidOptionError);
      await assert.rejects(sketchedNtk(net, xs, {} as { dim: number }), /dim/);
      await assert.rejects(sketchedNtk(net, [[1, 2, Infinity]], { dim: 8 }), NonFiniteError);
      await assert.rejects(sketchedNtk(net, [[1e30, 1e30, 1e30], [1, 2, 3]], { dim: 8 }), /overflows float32/);
      await assert.rejects(sketchedNtk(net, xs, { dim: 8, pairs: -1 }), InvalidOptionError);
      await assert.rejects(sketchedNtk(net, xs, { dim: 8, seed: 0.5 }), InvalidOptionError);
      await assert.rejects(sketchedNtk(cnn, xs, { dim: 8 }), UnsupportedModelError);
      await assert.rejects(sketchedNtk(net, xs, { dim: 1 << 20, maxBytes: 1e6 }), MemoryBudgetError);
    }
    assert.equal(tf.memory().numTensors, start);
    const one = await sketchedNtk(net, xs, { dim: 1 });
    assert.ok(Number.isNaN(one.error.estimate));
  } finally {
    xt.dispose();
    dense.dispose();
    cnn.dispose();
    net.dispose();
  }
});
