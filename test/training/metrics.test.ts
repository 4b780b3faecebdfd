/**
 * The training kernel metrics against numpy (test/training/python/kernel_metrics.py): (1) the pure functions on
 * random PSD kernels and targets, (2) every kernel row train() streams, recomputed from the kernels it saw
 * (dumped from onSnapshot as .npy). Agreement to 1e-6 (relative; absolute for values in [0, 1]).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { mlp } from '../../src/models';
import { Rng } from '../../src/random';
import {
  centredAlignment, eigenTargetAlignment, kernelDistance, kernelTargetAlignment, relativeChange, traceShares, kernelTrace, train,
} from '../../src/training';
import type { TrainingSnapshot } from '../../src/training';
import { eigh } from '../../src/linalg';
import { setupBackend } from '../helpers/setup';
import { gaussian, relErr, runPython, writeNpy64 } from './helpers';

interface Reference {
  kernel_distance?: number;
  kernel_change?: number;
  kernel_velocity?: number;
  alignment?: number;
  centred_alignment?: number;
  trace_share: number[];
  layer_change: number[];
  eigenvalue?: number[];
  eigen_alignment?: number[];
}
interface Case {
  k: string;
  k0?: string | null;
  kprev?: string | null;
  dt?: number;
  y?: string | null;
  components?: string[];
  components0?: string[];
  topk?: number;
}

const dir = mkdtempSync(join(tmpdir(), 'ntk-training-metrics-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(setupBackend);

/** A random PSD n x n kernel G G^T / m plus `shift` (float64). */
function psd(n: number, m: number, rng: Rng, shift = 0): Float64Array {
  const g = rng.normals64(n * m);
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < m; t++) s += g[i * m + t] * g[j * m + t];
    k[i * n + j] = s / m + shift;
  }
  return k;
}

function close(got: number, want: number, what: string, tol = 1e-6): void {
  assert.ok(relErr(got, want, 1) <= tol, `${what}: ntk-lab ${got}, numpy ${want}`);
}

describe('training kernel metrics', () => {
  it('the pure functions agree with numpy on random kernels and targets', () => {
    const rng = new Rng(3);
    const n = 30;
    const cases: Case[] = [];
    const mine: Reference[] = [];
    for (let c = 0; c < 4; c++) {
      const k0 = psd(n, 12, rng);
      const k = k0.map((v, i) => v + 0.3 * psd(n, 12, rng)[i]);
      const kp = k0.map((v, i) => 0.5 * (v + k[i]));
      const kc = 2 + (c % 2);
      const y = { rows: n, cols: kc, data: rng.normals64(n * kc) };
      // The last case's kernel has a large constant offset: centring matters there.
      const comps = [psd(n, 5, rng), psd(n, 7, rng)];
      const comps0 = [psd(n, 5, rng), psd(n, 7, rng)];
      const ksum = comps[0].map((v, i) => v + comps[1][i] + (c === 3 ? 5 : 0));
      const files = { k: `k${c}.npy`, k0: `k0${c}.npy`, kprev: `kp${c}.npy`, y: `y${c}.npy` };
      writeNpy64(join(dir, files.k), ksum, [n, n]);
      writeNpy64(join(dir, files.k0), k0, [n, n]);
      writeNpy64(join(dir, files.kprev), kp, [n, n]);
      writeNpy64(join(dir, files.y), y.data, [n, kc]);
      comps.forEach((m, i) => writeNpy64(join(dir, `c${c}_${i}.npy`), m, [n, n]));
      comps0.forEach((m, i) => writeNpy64(join(dir, `c0${c}_${i}.npy`), m, [n, n]));
      cases.push({ ...files, dt: 3, components: comps.map((_, i) => `c${c}_${i}.npy`), components0: comps0.map((_, i) => `c0${c}_${i}.npy`), topk: 4 });
      const e = eigh({ rows: n, cols: n, data: ksum }, { vectors: true });
      const top = [n - 1, n - 2, n - 3, n - 4];
      const vecs = { rows: n, cols: 4, data: new Float64Array(n * 4) };
      for (let r = 0; r < n; r++) top.forEach((j, i) => (vecs.data[r * 4 + i] = e.vectors!.data[r * n + j]));
      mine.push({
        kernel_distance: kernelDistance(k0, ksum),
        kernel_change: relativeChange(k0, ksum),
        kernel_velocity: kernelDistance(kp, ksum) / 3,
        alignment: kernelTargetAlignment(ksum, y),
        centred_alignment: centredAlignment(ksum, y),
        trace_share: traceShares(comps, kernelTrace(ksum)),
        layer_change: comps.map((m, i) => relativeChange(comps0[i], m)),
        eigenvalue: top.map((j) => e.values[j]),
        eigen_alignment: eigenTargetAlignment(vecs, y),
      });
    }
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const ref = runPython<Reference[]>('kernel_metrics.py', [dir]);
    ref.forEach((r, c) => {
      const m = mine[c];
      for (const key of ['kernel_distance', 'kernel_change', 'kernel_velocity', 'alignment', 'centred_alignment'] as const) close(m[key]!, r[key]!, `case ${c} ${key}`);
      for (const key of ['trace_share', 'layer_change', 'eigenvalue', 'eigen_alignment'] as const) {
        assert.equal(m[key]!.length, r[key]!.length, `case ${c} ${key} length`);
        m[key]!.forEach((v, i) => close(v, r[key]![i], `case ${c} ${key}[${i}]`));
      }
    });
    // The offset case: the plain alignment is dominated by the constant, the centred one is not.
    assert.ok(Math.abs(mine[3].alignment! - mine[3].centred_alignment!) > 0.05, `offset case: ${mine[3].alignment} vs ${mine[3].centred_alignment}`);
  });

  it("every kernel row train() streams equals numpy's recomputation from the kernels it saw", async () => {
    const start = tf.memory().numTensors;
    const n = 48;
    const m = 20;
    const d = 5;
    const net = mlp({ inputDim: d, widths: [64], outputDim: 2, seed: 1 });
    const x = { rows: n, cols: d, data: gaussian(n, d, 1) };
    const y = { rows: n, cols: 2, data: gaussian(n, 2, 2) };
    const probe = { rows: m, cols: d, data: gaussian(m, d, 3) };
    const probeTargets = { rows: m, cols: 2, data: gaussian(m, 2, 4) };
    const seen: TrainingSnapshot[] = [];
    const table = await train(net, { x, y }, {
      optimizer: 'sgd', learningRate: 0.5, epochs: 6, batchSize: 16,
      snapshots: { every: 7, probe, probeTargets, topK: 3 }, onSnapshot: (s) => void seen.push(s),
    }).toTable();
    net.dispose();
    assert.equal(tf.memory().numTensors, start, 'no tensors left behind');
    assert.deepEqual(seen.map((s) => s.step), [0, 7, 14, 18]);
    const cases: Case[] = [];
    seen.forEach((s, i) => {
      writeNpy64(join(dir, `t${i}.npy`), s.kernel.values, [m, m]);
      s.components.forEach((c, j) => writeNpy64(join(dir, `t${i}_${j}.npy`), c.values, [m, m]));
      cases.push({
        k: `t${i}.npy`, k0: 't0.npy', kprev: i > 0 ? `t${i - 1}.npy` : null, dt: i > 0 ? s.step - seen[i - 1].step : 1, y: 'ty.npy',
        components: s.components.map((_, j) => `t${i}_${j}.npy`), components0: seen[0].components.map((_, j) => `t0_${j}.npy`), topk: 3,
      });
    });
    writeNpy64(join(dir, 'ty.npy'), probeTargets.data, [m, 2]);
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const ref = runPython<Reference[]>('kernel_metrics.py', [dir]);
    const step = table.getChild('step')!.toArray() as Int32Array;
    const metric = [...table.getChild('metric')!] as string[];
    const label = [...table.getChild('label')!] as string[];
    const value = table.getChild('value')!.toArray() as Float64Array;
    const labels = seen[0].components.map((c) => c.label);
    assert.deepEqual(labels, ['layer1/weight', 'layer1/bias', 'layer2/weight', 'layer2/bias']);
    let compared = 0;
    for (let r = 0; r < step.length; r++) {
      const i = seen.findIndex((s) => s.step === step[r]);
      const want = ref[i];
      const mt = metric[r] as keyof Reference;
      if (mt === 'trace_share' || mt === 'layer_change') close(value[r], want[mt][labels.indexOf(label[r])], `step ${step[r]} ${mt} ${label[r]}`);
      else if (mt === 'eigenvalue' || mt === 'eigen_alignment') close(value[r], want[mt]![Number(label[r]) - 1], `step ${step[r]} ${mt} ${label[r]}`);
      else if (mt in want) close(value[r], want[mt] as number, `step ${step[r]} ${mt}`);
      else {
        assert.ok(['loss', 'accuracy'].includes(mt) || (mt === 'kernel_velocity' && step[r] > 0), `unexpected row ${mt} at step ${step[r]}`);
        continue;
      }
      compared++;
    }
    // Per snapshot: distance, change, alignment, centred, 4 shares, 4 changes, 3 eigenvalues, 3 alignments (+ velocity after the first).
    assert.equal(compared, 4 * 18 + 3);
  });
});
