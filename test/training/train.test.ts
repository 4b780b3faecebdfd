/**
 * The training loop: the loss falls and the target alignment rises on a learnable target, Adam and momentum
 * match their closed-form updates on a linear model, the kernel moves less the wider the network (NTK
 * parameterisation), a CNN trains through the autodiff NTK, tensors are disposed, pyarrow reads the stream,
 * and bad input is refused by name before anything runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Table } from 'apache-arrow';
import { CancelledError, InvalidOptionError, MemoryBudgetError, ShapeError } from '../../src/errors';
import { backendInfo } from '../../src/backend';
import { mlp } from '../../src/models';
import { Rng } from '../../src/random';
import { train } from '../../src/training';
import type { TrainingColumns } from '../../src/training';
import { setupBackend } from '../helpers/setup';
import { gaussian, runPython } from './helpers';
import { logLogSlope } from '../helpers/fit';

const dir = mkdtempSync(join(tmpdir(), 'ntk-training-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(setupBackend);

/** value of (metric, label) at each step, in step order. */
function series(t: Table<TrainingColumns>, metric: string, label = 'ntk'): { step: number[]; value: number[] } {
  const st = t.getChild('step')!.toArray() as Int32Array;
  const mt = [...t.getChild('metric')!] as string[];
  const lb = [...t.getChild('label')!] as string[];
  const v = t.getChild('value')!.toArray() as Float64Array;
  const out = { step: [] as number[], value: [] as number[] };
  for (let i = 0; i < st.length; i++) if (mt[i] === metric && lb[i] === label) (out.step.push(st[i]), out.value.push(v[i]));
  return out;
}

const last = (a: number[]): number => a[a.length - 1];

/** A regression set: x ~ N(0, I_d), y = x_0 x_1 (not linear in x: fitting it needs the hidden layer). */
function productTarget(n: number, d: number, seed: number): { x: { rows: number; cols: number; data: Float32Array }; y: { rows: number; cols: number; data: Float32Array } } {
  const x = gaussian(n, d, seed);
  return { x: { rows: n, cols: d, data: x }, y: { rows: n, cols: 1, data: Float32Array.from({ length: n }, (_, i) => x[i * d] * x[i * d + 1]) } };
}

describe('train()', () => {
  it('the loss falls and the kernel aligns with a learnable target (x0 x1, width 32, 200 SGD steps)', async () => {
    const start = tf.memory().numTensors;
    const { x, y } = productTarget(64, 8, 5);
    const net = mlp({ inputDim: 8, widths: [32], seed: 0 });
    const t = await train(net, { x, y }, { optimizer: 'sgd', learningRate: 0.5, epochs: 200, snapshots: { every: 50, probe: x, probeTargets: y, topK: 3 } }).toTable();
    net.dispose();
    assert.equal(tf.memory().numTensors, start);
    const loss = series(t, 'loss', 'train');
    assert.deepEqual(loss.step, [0, 50, 100, 150, 200]);
    // Measured: 0.963 -> 0.0985; the probe is the training set here, so its loss is the same.
    assert.ok(last(loss.value) < 0.2 * loss.value[0], `loss ${loss.value.join(', ')}`);
    assert.deepEqual(series(t, 'loss', 'probe').value.map((v) => v.toPrecision(5)), loss.value.map((v) => v.toPrecision(5)));
    for (const metric of ['alignment', 'centred_alignment']) {
      const a = series(t, metric).value;
      // Measured: alignment 0.067 -> 0.127, centred 0.097 -> 0.170, rising at every snapshot.
      a.slice(1).forEach((v, i) => assert.ok(v > a[i], `${metric} falls between snapshots: ${a.join(', ')}`));
      assert.ok(last(a) > 1.5 * a[0], `${metric} ${a.join(', ')}`);
    }
    const d = series(t, 'kernel_distance').value;
    assert.equal(d[0], 0);
    assert.ok(d.slice(1).every((v, i) => v > d[i]), `distance grows: ${d.join(', ')}`);
    const share = ['layer1/weight', 'layer1/bias', 'layer2/weight', 'layer2/bias'].map((l) => series(t, 'trace_share', l).value[0]);
    assert.ok(Math.abs(share.reduce((a, b) => a + b) - 1) < 1e-5, `shares sum to 1: ${share.join(', ')}`);
    // The output bias's gradient is the constant sigma_b: its component cannot move.
    assert.ok(Math.abs(last(series(t, 'layer_change', 'layer2/bias').value)) < 1e-6);
    const eig = [1, 2, 3].map((r) => series(t, 'eigenvalue', String(r)).value[0]);
    assert.ok(eig[0] >= eig[1] && eig[1] >= eig[2] && eig[2] > 0, `eigenvalues descend: ${eig.join(', ')}`);
  });

  for (const optimizer of ['adam', 'momentum'] as const) {
    it(`${optimizer} matches its closed-form update on a linear model (6 mini-batch steps, float64 reference)`, async () => {
      const n = 8;
      const d = 3;
      const k = 2;
      const start = tf.memory().numTensors;
      const model = tfl.sequential({ layers: [tfl.layers.dense({ units: k, inputShape: [d], kernelInitializer: tfl.initializers.randomNormal({ seed: 3 }), biasInitializer: 'ones' })] });
      const W = Float64Array.from(model.getWeights()[0].dataSync());
      const W0 = Float64Array.from(W);
      const b = Float64Array.from(model.getWeights()[1].dataSync());
      const rng = new Rng(9);
      const x = rng.normals64(n * d);
      const y = rng.normals64(n * k);
      const lr = 0.05;
      const [b1, b2, eps, mom] = [0.8, 0.95, 1e-6, 0.7];
      await train(model, { x: { rows: n, cols: d, data: Float32Array.from(x) }, y: { rows: n, cols: k, data: Float32Array.from(y) } }, {
        optimizer, learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, momentum: mom, epochs: 3, batchSize: 3, shuffle: false,
        snapshots: { probe: { rows: n, cols: d, data: Float32Array.from(x) }, topK: 0, layers: false },
      }).toTable();
      // Reference: batches rows 0-2, 3-5, 6-7 per epoch; L = mean over the batch's rows and outputs of (xW + b - y)^2.
      const params = [W, b];
      const m1 = params.map((p) => new Float64Array(p.length));
      const m2 = params.map((p) => new Float64Array(p.length));
      let t = 0;
      for (let epoch = 0; epoch < 3; epoch++) {
        for (const [s, e] of [[0, 3], [3, 6], [6, 8]]) {
          t++;
          const gW = new Float64Array(d * k);
          const gb = new Float64Array(k);
          for (let i = s; i < e; i++) {
            for (let a = 0; a < k; a++) {
              let f = b[a];
              for (let j = 0; j < d; j++) f += x[i * d + j] * W[j * k + a];
              const g = (2 * (f - y[i * k + a])) / ((e - s) * k);
              gb[a] += g;
              for (let j = 0; j < d; j++) gW[j * k + a] += x[i * d + j] * g;
            }
          }
          [gW, gb].forEach((g, p) => {
            for (let q = 0; q < g.length; q++) {
              if (optimizer === 'adam') {
                m1[p][q] = b1 * m1[p][q] + (1 - b1) * g[q];
                m2[p][q] = b2 * m2[p][q] + (1 - b2) * g[q] * g[q];
                params[p][q] -= (lr * (m1[p][q] / (1 - b1 ** t))) / (Math.sqrt(m2[p][q] / (1 - b2 ** t)) + eps);
              } else {
                m1[p][q] = mom * m1[p][q] + g[q];
                params[p][q] -= lr * m1[p][q];
              }
            }
          });
        }
      }
      const got = model.getWeights().map((w) => w.dataSync());
      const moved = Math.max(...W0.map((v, i) => Math.abs(v - got[0][i])));
      assert.ok(moved > 0.05, 'the weights moved');
      [W, b].forEach((want, p) => want.forEach((v, i) => assert.ok(Math.abs(got[p][i] - v) < 2e-5 * Math.max(1, Math.abs(v)), `${optimizer} param ${p}[${i}]: ${got[p][i]} vs ${v}`)));
      model.dispose();
      assert.equal(tf.memory().numTensors, start);
    });
  }

  it('the kernel and each layer move less the wider the network (NTK parameterisation, widths 64, 256, 1024)', async (ctx) => {
    const { x, y } = productTarget(48, 8, 11);
    const probe = { rows: 24, cols: 8, data: x.data.slice(0, 24 * 8) };
    const widths = [64, 256, 1024];
    const labels = ['ntk', 'layer1/weight', 'layer2/weight'];
    const change: number[][] = labels.map(() => []);
    const distance: number[] = [];
    for (const w of widths) {
      const c = labels.map(() => 0);
      let dd = 0;
      for (const seed of [0, 1]) {
        const net = mlp({ inputDim: 8, widths: [w], seed });
        const t = await train(net, { x, y }, { learningRate: 0.5, epochs: 40, snapshots: { probe, topK: 0 } }).toTable();
        net.dispose();
        labels.forEach((l, i) => (c[i] += last(series(t, l === 'ntk' ? 'kernel_change' : 'layer_change', l).value) / 2));
        dd += last(series(t, 'kernel_distance').value) / 2;
      }
      c.forEach((v, i) => change[i].push(v));
      distance.push(dd);
    }
    const slopes = change.map((c) => logLogSlope(widths, c));
    const sd = logLogSlope(widths, distance);
    labels.forEach((l, i) => ctx.diagnostic(`${l} relative change ${change[i].map((v) => v.toExponential(3)).join(', ')}: slope ${slopes[i].toFixed(3)}`));
    ctx.diagnostic(`kernel distance ${distance.map((v) => v.toExponential(3)).join(', ')}: slope ${sd.toFixed(3)}`);
    // |K_t - K_0| / |K_0| after a fixed number of steps is at most O(w^-1/2) (Jacot et al. 2018, Lee et al. 2019), and
    // its leading term is O(1/w) for smooth activations (Dyer and Gur-Ari 2019): slopes between -1/2 and -1 agree with
    // theory at these widths (measured with seeds 0, 1: -0.71 for the NTK, -0.66 and -0.92 for the two weight components;
    // with seeds 5, 6: -0.89, -0.88, -0.91). [-1.05, -0.45] holds that range with a margin, and refuses a kernel that
    // does not move less when wider (slope ~0).
    slopes.forEach((s, i) => assert.ok(s > -1.05 && s < -0.45, `${labels[i]} relative change slope ${s.toFixed(3)}: ${change[i].join(', ')}`));
    // The distance 1 - cos is quadratic in the part of the change orthogonal to K_0, so it falls about twice as fast
    // (measured -1.39; -1.62 with seeds 5, 6): it must fall clearly faster than the change.
    assert.ok(sd < slopes[0] - 0.3, `distance slope ${sd.toFixed(3)} vs change slope ${slopes[0].toFixed(3)}: ${distance.join(', ')}`);
  });

  it('trains a CNN (tf.LayersModel) through the autodiff NTK, softmax cross-entropy, accuracy, and leaves no tensor behind', async () => {
    const was = backendInfo()!.name;
    const start = tf.memory().numTensors;
    const n = 24;
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.heNormal({ seed: 1 }) }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed: 2 }) }),
      ],
    });
    const rng = new Rng(4);
    const labels = Array.from({ length: n }, (_, i) => i % 3);
    // Class c has a bright c-th third of the image: learnable in a few steps.
    const images = Float32Array.from({ length: n * 36 }, (_, t) => rng.normal() * 0.3 + (Math.floor((t % 36) / 12) === labels[Math.floor(t / 36)] ? 1 : 0));
    const x = tf.tensor4d(images, [n, 6, 6, 1]);
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), 3), 'float32'));
    const run = (): Promise<Table<TrainingColumns>> => train(model, { x, y }, {
      optimizer: 'adam', learningRate: 0.02, epochs: 15, batchSize: 8, loss: 'softmax-cross-entropy',
      snapshots: { atEpochs: [5], probe: x, probeTargets: y, topK: 2 },
    }).toTable();
    // On the default backend, wasm included: ntk-lab provides the Conv2DBackpropFilter that tfjs-backend-wasm lacks.
    const t = await run();
    assert.equal(backendInfo()!.name, was);
    const loss = series(t, 'loss', 'train');
    assert.deepEqual(loss.step, [0, 15, 45]);
    assert.ok(last(loss.value) < 0.5 * loss.value[0], `loss ${loss.value.join(', ')}`);
    assert.ok(last(series(t, 'accuracy', 'train').value) >= 0.9, `accuracy ${series(t, 'accuracy', 'train').value.join(', ')}`);
    const labelsOf = [...new Set(([...t.getChild('label')!] as string[]).filter((_, i) => t.getChild('metric')!.get(i) === 'trace_share'))];
    assert.equal(labelsOf.length, 4, `conv kernel, conv bias, dense kernel, dense bias: ${labelsOf.join(', ')}`);
    assert.ok(last(series(t, 'kernel_distance').value) > 0);
    x.dispose();
    y.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, start);
  });

  it('streams an Arrow IPC stream that pyarrow and pandas read back', async () => {
    const { x, y } = productTarget(32, 4, 2);
    const net = mlp({ inputDim: 4, widths: [16], seed: 3 });
    const path = join(dir, 'training.arrows');
    const losses: Record<string, number> = {};
    await train(net, { x, y }, {
      epochs: 10, batchSize: 8, snapshots: { every: 12, probe: x, probeTargets: y, topK: 2 },
      onSnapshot: (s) => void (losses[String(s.step)] = s.rows.find((r) => r.metric === 'loss' && r.label === 'train')!.value),
    }).toFile(path);
    net.dispose();
    const r = runPython<{ columns: string[][]; kind: string; complete: string; rows: number; steps: number[]; train_loss: Record<string, number>; wide_columns: number }>(
      'read_training.py', [path], 'pyarrow, pandas',
    );
    assert.deepEqual(r.columns, [['step', 'int32'], ['epoch', 'double'], ['metric', 'string'], ['label', 'string'], ['value', 'double']]);
    assert.equal(r.kind, 'training');
    assert.deepEqual(r.steps, [0, 12, 24, 36, 40]);
    assert.deepEqual(r.train_loss, losses);
    assert.ok(r.wide_columns >= 14, `pivot columns ${r.wide_columns}`);
  });

  it("takes the caller's own tf.Optimizer (same steps as the built-in, left undisposed) and stops when the consumer stops", async () => {
    const { x, y } = productTarget(16, 4, 7);
    const a = mlp({ inputDim: 4, widths: [8], seed: 2 });
    const b = mlp({ inputDim: 4, widths: [8], seed: 2 });
    const start = tf.memory().numTensors;
    const mine = tf.train.sgd(0.1);
    await train(a, { x, y }, { optimizer: mine, epochs: 5, snapshots: { probe: x, topK: 0 } }).toTable();
    await train(b, { x, y }, { optimizer: 'sgd', learningRate: 0.1, epochs: 5, snapshots: { probe: x, topK: 0 } }).toTable();
    a.getWeights().forEach((w, i) => assert.deepEqual(w.W, b.getWeights()[i].W));
    assert.ok(tf.memory().numTensors > start, "the caller's optimizer keeps its learning-rate scalar: not disposed by train()");
    mine.dispose();
    assert.equal(tf.memory().numTensors, start);
    // Lazy: breaking out after the second snapshot stops training there, and what train() made is freed.
    let snapshots = 0;
    let batches = 0;
    for await (const _ of train(a, { x, y }, { epochs: 100, snapshots: { every: 5, probe: x, topK: 0 }, onSnapshot: () => void snapshots++ })) {
      if (++batches === 2) break;
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(snapshots, 2);
    assert.equal(tf.memory().numTensors, start);
    a.dispose();
    b.dispose();
  });

  it('refuses bad input by name before training, and stops on an abort with a CancelledError', async () => {
    const { x, y } = productTarget(16, 4, 1);
    const net = mlp({ inputDim: 4, widths: [8], seed: 0 });
    const start = tf.memory().numTensors;
    const snapshots = { probe: x };
    assert.throws(() => train(net, { x, y: { rows: 15, cols: 1, data: new Float32Array(15) } }, { snapshots }), (e: Error) => e instanceof ShapeError && /16 rows.*15/.test(e.message));
    assert.throws(() => train(net, { x, y: { rows: 16, cols: 2, data: new Float32Array(32) } }, { snapshots }), (e: Error) => e instanceof ShapeError && /1 outputs/.test(e.message));
    assert.throws(() => train(net, { x, y }, { snapshots, learningRate: -1 }), (e: Error) => e instanceof InvalidOptionError && /learningRate/.test(e.message));
    assert.throws(() => train(net, { x, y }, { snapshots, optimizer: 'rmsprop' as 'sgd' }), (e: Error) => e instanceof InvalidOptionError && /optimizer/.test(e.message));
    assert.throws(() => train(net, { x, y }, { snapshots, loss: 'softmax-cross-entropy' }), (e: Error) => e instanceof InvalidOptionError && /k >= 2/.test(e.message));
    assert.throws(() => train(net, { x, y }, { snapshots: { probe: x, atEpochs: [3] }, epochs: 2 }), (e: Error) => e instanceof InvalidOptionError && /atEpochs/.test(e.message));
    assert.throws(() => train(net, { x, y }, { snapshots: { probe: { rows: 4, cols: 3, data: new Float32Array(12) } } }), (e: Error) => e instanceof ShapeError && /dimension 3/.test(e.message));
    assert.throws(() => train(net, { x, y }, { snapshots: { probe: x, probeTargets: { rows: 16, cols: 2, data: new Float32Array(32) } } }), ShapeError);
    assert.throws(() => train(net, { x, y }, { snapshots, maxBytes: 1000 }), (e: Error) => e instanceof MemoryBudgetError && /probe kernels/.test(e.message));
    assert.throws(() => train(net, { x, y }, { snapshots: undefined as unknown as { probe: typeof x } }), (e: Error) => e instanceof InvalidOptionError && /probe/.test(e.message));
    assert.equal(tf.memory().numTensors, start, 'nothing allocated by refused calls');
    const controller = new AbortController();
    const stream = train(net, { x, y }, { epochs: 1000, snapshots: { every: 100, probe: x }, signal: controller.signal, onSnapshot: (s) => void (s.step === 100 && controller.abort()) });
    await assert.rejects(stream.toTable(), CancelledError);
    assert.equal(tf.memory().numTensors, start, 'an aborted run disposes what it made');
    net.dispose();
  });
});
