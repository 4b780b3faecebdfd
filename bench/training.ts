/**
 * bench/training: the cost of a snapshot of the kernel during training against a training step, in the same run, at
 * the tutorial's scale: 64-d inputs (the digits' 8 x 8 images; Gaussian here, the cost does not depend on the values),
 * 10 classes, softmax cross-entropy, Adam, mini-batches of 64 from n = 1000, MLPs of two hidden layers of widths
 * 128, 256, 512, a probe of 200 examples (a 200 x 200 NTK, its 6 components, top-10 eigenpairs, every metric).
 * Per width: mean ms per optimizer step, mean ms per snapshot (and of that the probe NTK), and their ratio: how many
 * training steps one snapshot costs.
 *
 *   npm run build && node build/bench/training.js [--widths 128,256,512] [--n 1000] [--probe 200] [--batch 64] [--epochs 2] [--every 4]
 */
import { parseArgs } from 'node:util';
import { backendInfo, ensureBackend } from '../src/backend';
import { linalgInfo } from '../src/linalg';
import { mlp } from '../src/models';
import { Rng } from '../src/random';
import { train } from '../src/training';
import type { TrainingSnapshot } from '../src/training';

const { values: args } = parseArgs({
  options: {
    widths: { type: 'string', default: '128,256,512' },
    n: { type: 'string', default: '1000' },
    probe: { type: 'string', default: '200' },
    batch: { type: 'string', default: '64' },
    epochs: { type: 'string', default: '2' },
    every: { type: 'string', default: '4' },
  },
});

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

async function main(): Promise<void> {
  await ensureBackend();
  const [n, m, batchSize, epochs, every] = [args.n, args.probe, args.batch, args.epochs, args.every].map(Number);
  const d = 64;
  const k = 10;
  const rng = new Rng(0);
  const x = { rows: n, cols: d, data: rng.normals32(n * d) };
  const labels = Array.from({ length: n }, (_, i) => i % k);
  const y = { rows: n, cols: k, data: Float32Array.from({ length: n * k }, (_, t) => (labels[Math.floor(t / k)] === t % k ? 1 : 0)) };
  const probe = { rows: m, cols: d, data: x.data.slice(0, m * d) };
  const probeTargets = { rows: m, cols: k, data: y.data.slice(0, m * k) };
  console.log(`backend ${backendInfo()?.name}, linalg ${linalgInfo().implementation}; n ${n}, d ${d}, k ${k}, batch ${batchSize}, probe ${m}, snapshot every ${every} steps`);
  console.log('width  steps  snapshots  ms/step  ms/snapshot  (probe NTK)  snapshot/step');
  for (const w of args.widths.split(',').map(Number)) {
    const net = mlp({ inputDim: d, widths: [w, w], outputDim: k, seed: 0 });
    const snaps: TrainingSnapshot['timing'][] = [];
    const t0 = performance.now();
    await train(net, { x, y }, {
      optimizer: 'adam', learningRate: 1e-3, epochs, batchSize, loss: 'softmax-cross-entropy',
      snapshots: { every, probe, probeTargets, topK: 10 }, onSnapshot: (s) => void snaps.push(s.timing),
    }).toTable();
    const wall = performance.now() - t0;
    net.dispose();
    const steps = snaps.filter((s) => s.stepMs > 0);
    const stepMs = mean(steps.map((s) => s.stepMs));
    const snapMs = mean(snaps.slice(1).map((s) => s.snapshotMs)); // the first snapshot also warms up the kernels
    const kernelMs = mean(snaps.slice(1).map((s) => s.kernelMs));
    const total = epochs * Math.ceil(n / batchSize);
    console.log(
      `${String(w).padStart(5)}  ${String(total).padStart(5)}  ${String(snaps.length).padStart(9)}  ${stepMs.toFixed(1).padStart(7)}  ${snapMs.toFixed(1).padStart(11)}  ` +
        `${kernelMs.toFixed(1).padStart(11)}  ${(snapMs / stepMs).toFixed(1).padStart(13)}   (wall ${(wall / 1000).toFixed(1)} s)`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
