/**
 * The training-dynamics figure: 'training' batches as train() writes them, encoded for the comm and decoded by
 * the front end's decoder, accumulated by TrainingData, drawn by trainingFigure and described by trainingLine;
 * the kernel-side TrainingWidget fed by a real train() run outside the ntk-lab kernel (its static fallback).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { resultSchema } from '../../src/arrow/schemas';
import { decodeBatch } from '../../src/figures/arrow/decode';
import { WidgetDataError } from '../../src/figures/arrow/errors';
import { trainingFigure } from '../../src/figures/builders/training';
import { TrainingData } from '../../src/figures/data/training-data';
import { trainingLine } from '../../src/figures/describe';
import { emptyDataStatus } from '../../src/figures/protocol';
import type { DataStatus } from '../../src/figures/protocol';
import { encodeBatch, PLOTLY_MIME, TrainingWidget } from '../../src/display';
import { InvalidOptionError } from '../../src/errors';
import { mlp } from '../../src/models';
import { train, trainingBatch } from '../../src/training';
import type { TrainingRow } from '../../src/training';
import { setupBackend } from '../helpers/setup';

before(setupBackend);

const schema = resultSchema('training', { params: { n: 4 } });

/** A snapshot at `step` as the comm carries it. */
function snapshotBytes(step: number, rows: TrainingRow[]): Uint8Array {
  return encodeBatch(trainingBatch(step, step / 10, rows), schema);
}

function snapshots(): TrainingData {
  const data = new TrainingData();
  const rows = (step: number): TrainingRow[] => [
    { metric: 'loss', label: 'train', value: 1 / (1 + step) },
    { metric: 'loss', label: 'probe', value: 1.2 / (1 + step) },
    { metric: 'kernel_distance', label: 'ntk', value: step * 1e-3 },
    ...(step > 0 ? [{ metric: 'kernel_velocity' as const, label: 'ntk', value: 1e-4 }] : []),
    { metric: 'alignment', label: 'ntk', value: 0.1 + step * 1e-3 },
    { metric: 'layer_change', label: 'layer1/weight', value: step * 2e-3 },
    { metric: 'layer_change', label: 'layer2/weight', value: step * 1e-3 },
    { metric: 'eigenvalue', label: '1', value: 40 - step },
  ];
  for (const step of [0, 10, 20]) {
    const bytes = snapshotBytes(step, rows(step));
    data.add(decodeBatch(bytes, 'training', rows(step).length));
  }
  return data;
}

describe('training figure', () => {
  it('decodes snapshots into one series per (metric, label), in step order; another kind is refused', () => {
    const data = snapshots();
    assert.equal(data.snapshots, 3);
    assert.equal(data.lastStep, 20);
    assert.equal(data.count, 7 + 8 + 8);
    assert.deepEqual(data.get('kernel_distance', 'ntk')?.step, [0, 10, 20]);
    assert.deepEqual(data.get('kernel_velocity', 'ntk')?.step, [10, 20]);
    assert.deepEqual(data.get('loss', 'probe')?.epoch, [0, 1, 2]);
    assert.deepEqual(data.of('layer_change').map((s) => s.label), ['layer1/weight', 'layer2/weight']);
    assert.throws(() => decodeBatch(snapshotBytes(0, [{ metric: 'loss', label: 'train', value: 1 }]), 'spectrum'), WidgetDataError);
    assert.throws(() => decodeBatch(snapshotBytes(0, [{ metric: 'loss', label: 'train', value: 1 }]), 'training', 2), /announced 2 rows/);
  });

  it('draws the losses on top and the chosen group below; a log axis leaves out the distance 0 at step 0', () => {
    const data = snapshots();
    const f = trainingFigure(data, { x: 'step', panel: 'kernel', logY: true });
    assert.deepEqual(f.data.map((t) => [t.name, t.yaxis]), [
      ['loss (train)', 'y'], ['loss (probe)', 'y'], ['distance 1 - cos(K₀, Kₜ)', 'y2'], ['velocity (distance per step)', 'y2'],
    ]);
    assert.deepEqual(f.data[2].x, [10, 20], 'step 0 has distance 0: not on a log axis');
    assert.equal(f.layout.yaxis2?.type, 'log');
    const lin = trainingFigure(data, { x: 'epoch', panel: 'kernel', logY: false });
    assert.deepEqual(lin.data[2].x, [0, 1, 2]);
    assert.equal(lin.layout.xaxis?.title?.text, 'epoch');
    assert.notEqual(lin.layout.uirevision, f.layout.uirevision, 'a new panel or axis resets the zoom');
    const layers = trainingFigure(data, { x: 'step', panel: 'layers', logY: true, title: 'width 64' });
    assert.deepEqual(layers.data.slice(2).map((t) => t.name), ['layer1/weight', 'layer2/weight']);
    assert.equal(layers.layout.title?.text, 'width 64');
    assert.deepEqual(trainingFigure(data, { x: 'step', panel: 'spectrum', logY: false }).data[2].y, [40, 30, 20]);
    assert.deepEqual(trainingFigure(data, { x: 'step', panel: 'alignment', logY: false }).data.slice(2).map((t) => t.name), ['alignment A(K, yyᵀ)']);
  });

  it('says what was received in the header line', () => {
    const st = emptyDataStatus();
    st.generation = 1;
    st.streams.training = { kind: 'training', state: 'running', batches: 3, rows: 23, expected_rows: null, error: null };
    assert.equal(trainingLine(snapshots(), st, { training: 3 }), 'computing… training: 3 snapshots, step 20');
    st.streams.training.state = 'complete';
    assert.equal(trainingLine(snapshots(), st, { training: 3 }), '3 snapshots of the kernel during training, to step 20');
    assert.equal(trainingLine(new TrainingData(), emptyDataStatus(), {}), 'waiting for data');
  });

  it('TrainingWidget streams a train() run and keeps its final figure as the static fallback', async () => {
    const start = tf.memory().numTensors;
    assert.throws(() => new TrainingWidget({ panel: 'nope' as 'kernel' }), InvalidOptionError);
    const x = { rows: 16, cols: 3, data: Float32Array.from({ length: 48 }, (_, i) => Math.sin(i)) };
    const y = { rows: 16, cols: 1, data: Float32Array.from({ length: 16 }, (_, i) => Math.cos(i)) };
    const net = mlp({ inputDim: 3, widths: [8], seed: 0 });
    const w = new TrainingWidget({ title: 'width 8', panel: 'alignment' });
    // Live: when snapshot i is measured, the widget has already been sent the i snapshots before it, while training runs.
    const seen: string[] = [];
    const status = (): DataStatus['streams'][string] | undefined => (w.model.state.data_status as unknown as DataStatus).streams.training;
    const onSnapshot = (): void => void seen.push(`${status()?.state}:${status()?.batches}`);
    const out = await w.show(train(net, { x, y }, { epochs: 20, learningRate: 0.2, snapshots: { every: 10, probe: x, probeTargets: y, topK: 2 }, onSnapshot }));
    assert.deepEqual(seen, ['running:0', 'running:1', 'running:2']);
    assert.equal(status()?.state, 'complete');
    assert.equal(status()?.batches, 3);
    net.dispose();
    assert.equal(out.training.state, 'complete');
    const b = w.bundle();
    assert.match(String(b['text/plain']), /^TrainingWidget: 3 snapshots to step 20; train loss [\d.e-]+ -> [\d.e-]+; kernel distance [\d.e-]+; alignment/);
    const fig = JSON.parse(JSON.stringify(b[PLOTLY_MIME])) as { data: { name: string; x: number[] }[]; layout: { title: { text: string } } };
    assert.equal(fig.layout.title.text, 'width 8');
    assert.deepEqual(fig.data.map((t) => t.name).slice(0, 4), ['loss (train)', 'loss (probe)', 'alignment A(K, yyᵀ)', 'centred alignment']);
    assert.deepEqual(fig.data[2].x, [0, 10, 20]);
    // A training that diverges fails the cell awaiting show(), with the engine's named error.
    const wild = mlp({ inputDim: 3, widths: [8], seed: 1 });
    await assert.rejects(w.show(train(wild, { x, y }, { learningRate: 1e30, epochs: 3, snapshots: { every: 1, probe: x } })), /NonFiniteError: ntk: the computed kernel holds/);
    wild.dispose();
    w.close();
    assert.equal(tf.memory().numTensors, start);
  });
});
