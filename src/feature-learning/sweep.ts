/**
 * The one-step sweep over widths, seeds, learning-rate scalings and multipliers, and lambdas, streamed: each
 * completed point is yielded (and, through oneStepSweepStream, written as one Arrow batch) at once; after the last
 * seed of a width come the 'mean' / 'std' rows over seeds, one batch per point. A cancelled sweep keeps what was
 * emitted. Order: width, then seed, then scaling, then eta multiplier; lambdas share one step (rows of a batch).
 */
import type { RecordBatch } from 'apache-arrow';
import { type OneStepSweepColumns, type OneStepSweepRow, oneStepSweepBatch } from '../arrow/kinds/one-step-sweep';
import type { RunMeta } from '../arrow/metadata';
import { resultSchema } from '../arrow/schemas';
import { ResultStream } from '../arrow/stream';
import { linalgInfo } from '../linalg';
import { type OneStepOptions, type ResolvedOneStep, resolveOneStepOptions } from './options';
import { runSeed } from './seed-run';
import { scalingLabel } from './step';
import { summariseSeeds } from './summary';

/** Options of a run (not of the experiment). */
export interface OneStepRunOptions {
  /** Aborting stops the sweep between points with a CancelledError; emitted points stay emitted. */
  signal?: AbortSignal;
}

/** Groups of rows, one per completed point (a row per lambda), then per width the 'mean' / 'std' rows of each point. Options are checked now, before any work. */
export function oneStepSweep(options: OneStepOptions, run: OneStepRunOptions = {}): AsyncGenerator<OneStepSweepRow[]> {
  return sweepRows(resolveOneStepOptions(options), run.signal);
}

async function* sweepRows(config: ResolvedOneStep, signal: AbortSignal | undefined): AsyncGenerator<OneStepSweepRow[]> {
  for (const N of config.widths) {
    const bySeed: OneStepSweepRow[][][] = [];
    for (const seed of config.seeds) {
      const points: OneStepSweepRow[][] = [];
      for await (const rows of runSeed(config, N, seed, signal)) {
        points.push(rows);
        yield rows;
      }
      bySeed.push(points);
    }
    if (bySeed.length < 2) continue;
    for (let p = 0; p < bySeed[0].length; p++) {
      const summary: OneStepSweepRow[] = [];
      for (let l = 0; l < bySeed[0][p].length; l++) summary.push(...summariseSeeds(bySeed.map((points) => points[p][l])));
      yield summary;
    }
  }
}

/** The run's parameters as written in the Arrow metadata (`params`). */
export function oneStepParams(config: ResolvedOneStep): Record<string, string | number | boolean | number[] | string[]> {
  return {
    experiment: 'one gradient step, Ba et al. 2022 (arXiv 2205.01445)',
    n: config.n,
    d: config.d,
    N: [...config.widths],
    nTest: config.nTest,
    psi1: config.n / config.d,
    psi2: config.widths.map((N) => N / config.d),
    activation: config.activation,
    teacher: config.teacherName,
    noise: config.noise,
    etaFactors: [...config.etas],
    scalings: config.scalings.map(scalingLabel),
    lambdas: [...config.lambdas],
    seeds: [...config.seeds],
    lossNormalization: '(1/n) sum (1/2)(f(x_i) - y_i)^2',
    step: 'W1 = W0 + eta sqrt(N) G0, eta = eta_factor N^alpha',
    lambdaScaling: 'second layer: (1/n)||Phi a - y||^2 + (lambda/N)||a||^2, Phi = sigma(X W1)/sqrt(N)',
    linearLambdaScaling: 'linear baseline: (1/n)||X b - y||^2 + lambda ||b||^2, lambda tuned on the test set',
    solver: config.solver,
  };
}

/** Options of oneStepSweepStream. */
export interface OneStepStreamOptions extends OneStepRunOptions {
  /** Overrides of the run metadata (params, seed and backend are filled in). */
  meta?: RunMeta;
  /** Sees every group of rows just before it becomes a batch (progress tables, live plots). */
  onRows?: (rows: readonly OneStepSweepRow[]) => void;
}

/** The sweep as a ResultStream of kind 'one-step-sweep' (one batch per point; pipe it to a file, a table, a widget). */
export function oneStepSweepStream(options: OneStepOptions, run: OneStepStreamOptions = {}): ResultStream<OneStepSweepColumns> {
  const config = resolveOneStepOptions(options);
  const info = linalgInfo();
  const meta: RunMeta = { params: oneStepParams(config), seed: config.seeds[0], backend: `linalg ${info.implementation} (${info.blas})`, ...run.meta };
  const rows = sweepRows(config, run.signal);
  async function* batches(): AsyncGenerator<RecordBatch<OneStepSweepColumns>> {
    for await (const group of rows) {
      run.onRows?.(group);
      yield oneStepSweepBatch(group);
    }
  }
  return new ResultStream(resultSchema('one-step-sweep', meta), batches(), { signal: run.signal });
}
