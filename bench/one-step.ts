/**
 * bench/one-step: the one-gradient-step sweep at the paper's proportional scale, n = d = N = 1000 (psi1 = psi2 = 1),
 * 10 learning-rate multipliers in both scalings (eta = Theta(1) and Theta(sqrt N)), 3 seeds, streamed to an Arrow
 * file. Reports the wall time, the time per seed's setup (samples, student, gradient, spike, baselines, the step's
 * pre-activations) and per point (features, ridge, W1's spectrum, the Gaussian-equivalent prediction), and the peak RSS.
 *
 *   npm run build && node build/bench/one-step.js [--n 1000] [--d 1000] [--N 1000] [--seeds 3] [--scaling small,large]
 *                                                 [--activation tanh] [--teacher erf] [--n-test 1000] [--out /tmp/one-step.arrow]
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { readResults } from '../src/arrow';
import { ensureBackend } from '../src/backend';
import { oneStepSweepStream } from '../src/feature-learning';
import { parseScaling } from '../src/feature-learning/step';
import { linalgInfo } from '../src/linalg';
import type { ActivationName } from '../src/models';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    d: { type: 'string', default: '1000' },
    N: { type: 'string', default: '1000' },
    seeds: { type: 'string', default: '3' },
    scaling: { type: 'string', default: 'small,large' },
    activation: { type: 'string', default: 'tanh' },
    teacher: { type: 'string', default: 'erf' },
    'n-test': { type: 'string' },
    out: { type: 'string', default: path.join(os.tmpdir(), 'one-step.arrow') },
  },
});

async function main(): Promise<void> {
  await ensureBackend();
  const etas = [0, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12];
  const n = Number(args.n);
  const seeds = Number(args.seeds);
  const scalings = args.scaling.split(',').map(parseScaling);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const stamps: { t: number; first: boolean; summary: boolean }[] = [];
  let lastSeed = NaN;
  const t0 = performance.now();
  const stream = oneStepSweepStream(
    {
      n, d: Number(args.d), N: Number(args.N), activation: args.activation as ActivationName, teacher: args.teacher as ActivationName,
      noise: 0.1, etas, scalings, lambdas: 1e-3, seeds, nTest: args['n-test'] ? Number(args['n-test']) : n,
    },
    {
      onRows: (rows) => {
        const r = rows[0];
        stamps.push({ t: performance.now(), first: r.statistic === 'value' && r.seed !== lastSeed, summary: r.statistic !== 'value' });
        if (r.statistic === 'value') lastSeed = r.seed;
      },
    },
  );
  const file = await stream.toFile(args.out);
  const wall = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  // A seed's first point carries its setup; the others are one learning rate each.
  let setup = 0, points = 0, pointTime = 0, prev = t0;
  for (const s of stamps) {
    const dt = (s.t - prev) / 1000;
    prev = s.t;
    if (s.summary) continue;
    if (s.first) setup += dt;
    else {
      points++;
      pointTime += dt;
    }
  }
  const { table } = await readResults(args.out, 'one-step-sweep');
  const info = linalgInfo();
  console.log(`one-step sweep: n = ${n}, d = ${args.d}, N = ${args.N}, ${args.activation} student, ${args.teacher} teacher, ${etas.length} etas x ${scalings.length} scalings x ${seeds} seeds, nTest = ${args['n-test'] ?? n}`);
  console.log(`linalg ${info.implementation} (${info.blas}, ${info.threads} threads); ${os.cpus().length} cores; node ${process.version}`);
  console.log(`wall ${wall.toFixed(1)} s; per seed setup + first point ${(setup / seeds).toFixed(2)} s; per further point ${(pointTime / points).toFixed(3)} s (${points} points)`);
  console.log(`${file.status.batches} batches, ${table.numRows} rows, ${(file.bytes / 1e3).toFixed(1)} kB -> ${args.out}; peak RSS ${(peakRss / 1e6).toFixed(0)} MB`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
