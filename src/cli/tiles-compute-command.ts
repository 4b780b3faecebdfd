/**
 * `ntk-lab tiles stats|spectrum|solve`: matrix-free work on a finished tile job, streamed from its tiles on disk
 * (src/tiles/store-operator.ts; docs/tiles.md, "Spectra and solves on the store"). Each pass over the store shows
 * an in-place progress line on a terminal.
 *
 *   ntk-lab tiles stats <job>                                       trace, Frobenius norm, effective rank (one pass)
 *   ntk-lab tiles spectrum <job> --top 10 [--density --probes 16 --steps 50] [--out top.arrow] [--density-out d.arrow]
 *   ntk-lab tiles solve <job> --targets y.npy --ridge 1e-3 --out alpha.npy [--predict <cross-job> --predictions p.npy]
 *   ntk-lab tiles solve <job> --targets y.npy --gd-times 1,10,100 --out f-{t}.npy [--predict <cross-job> --predictions p-{t}.npy]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { tableToIPC, type Table } from 'apache-arrow';
import { resultSchema, ResultStream, spectrumBatch } from '../arrow';
import { InvalidOptionError } from '../errors';
import type { Matrix } from '../linalg';
import { blockTopEigen } from '../spectra/block-krylov';
import { slq, slqDensityTable } from '../spectra/slq';
import { readNpyMatrix, writeNpyMatrix } from '../tiles/npy-matrix';
import { TileStoreOperator, type StorePassEvent, type TileStoreOptions } from '../tiles/store-operator';
import { gradientDescentOnStore } from '../tiles/store-gd';
import { kernelRidgeOnStore } from '../tiles/store-ridge';
import { progressBar } from './progress';

export const TILES_COMPUTE_USAGE = `       ntk-lab tiles stats <job> [--workers P] [--kernel ntk] [--verify once|every-pass] [--json]
       ntk-lab tiles spectrum <job> [--top 10] [--block B] [--tol 1e-8] [--max-passes 60] [--density] [--probes 16]
                          [--steps 50] [--out top.arrow] [--density-out density.arrow] [--workers P] [--json]
       ntk-lab tiles solve <job> --targets y.npy --ridge LAMBDA --out alpha.npy
                          [--preconditioner nystrom|jacobi|pivoted-cholesky|none] [--rank 200] [--pivot-block 1]
                          [--tol 1e-8] [--max-iterations 500] [--fitted f.npy]
                          [--predict <cross-job> --predictions p.npy] [--workers P]
       ntk-lab tiles solve <job> --targets y.npy --gd-times 1,10,100,inf --out f-{t}.npy [--lr 1]
                          [--loss mean|per-example|sum] [--ridge DELTA (K + DELTA I)] [--tol 1e-10] [--max-iterations 500]
                          [--predict <cross-job> --predictions p-{t}.npy] [--workers P]`;

type Out = (line: string) => void;

const common = {
  workers: { type: 'string' },
  kernel: { type: 'string' },
  verify: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 1) throw new InvalidOptionError(`--${name} must be a positive integer, got '${raw}'`);
  return v;
}

function positive(name: string, raw: string | undefined, fallback?: number): number | undefined {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!(v > 0) || !Number.isFinite(v)) throw new InvalidOptionError(`--${name} must be a number > 0, got '${raw}'`);
  return v;
}

function oneJob(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new InvalidOptionError(`tiles ${sub} takes one job folder, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  return positionals[0];
}

function gb(bytes: number): string {
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

/** The operator's options from the common flags, with a progress line per pass on a terminal. */
function storeOptions(values: { workers?: string; kernel?: string; verify?: string }, what: () => string): { options: TileStoreOptions; end: () => void } {
  const verify = values.verify ?? 'once';
  if (verify !== 'once' && verify !== 'every-pass') throw new InvalidOptionError(`--verify must be once or every-pass, got '${verify}'`);
  let bar: ReturnType<typeof progressBar> | undefined;
  let pass = 0;
  const onProgress = (e: StorePassEvent): void => {
    if (e.pass !== pass) {
      bar?.end();
      pass = e.pass;
      bar = progressBar(`${what()} pass ${e.pass} (${e.kind === 'stats' ? 'statistics' : `${e.vectors} vectors`})`);
    }
    bar!.update(e.tilesDone, e.tiles);
  };
  return { options: { workers: positiveInt('workers', values.workers, 1), kernel: values.kernel, verify, onProgress }, end: () => bar?.end() };
}

async function writeTable(path: string, table: Table): Promise<void> {
  await writeFile(path, tableToIPC(table, path.endsWith('.arrows') ? 'stream' : 'file'));
}

/** `tiles stats <job>`. */
export async function tilesStats(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...common }, strict: true });
  const dir = oneJob(positionals, 'stats');
  const { options, end } = storeOptions(values, () => 'stats');
  const op = await TileStoreOperator.open(dir, options);
  try {
    const s = await op.stats();
    end();
    if (values.json) {
      out(JSON.stringify({ ...s, diagonal: undefined, tiles: op.tileCount }, null, 2));
      return 0;
    }
    out(`${op.job.dir}: ${s.rows} x ${s.cols} kernel in ${op.tileCount} tiles, ${gb(s.bytesRead)} read in ${(s.ms / 1000).toFixed(2)} s (${(s.bytesRead / 1e6 / (s.ms / 1000)).toFixed(0)} MB/s)`);
    if (s.trace !== null) out(`trace ${s.trace.toPrecision(10)}, mean diagonal ${(s.trace / s.rows).toPrecision(6)}`);
    out(`Frobenius norm ${s.frobenius.toPrecision(10)}, sum of entries ${s.sum.toPrecision(8)}, max |K_ij| ${s.maxAbs.toPrecision(6)}`);
    if (s.effectiveRank !== null) out(`effective rank (tr K)^2 / ||K||_F^2 = ${s.effectiveRank.toPrecision(6)} of ${s.rows}`);
    return 0;
  } finally {
    await op.close();
  }
}

/** `tiles spectrum <job>`: block Krylov top-k and, with --density, the SLQ spectral density. */
export async function tilesSpectrum(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...common,
      top: { type: 'string', default: '10' },
      block: { type: 'string' },
      tol: { type: 'string' },
      'max-passes': { type: 'string' },
      density: { type: 'boolean', default: false },
      probes: { type: 'string', default: '16' },
      steps: { type: 'string', default: '50' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string' },
      'density-out': { type: 'string' },
    },
    strict: true,
  });
  const dir = oneJob(positionals, 'spectrum');
  const top = Number(values.top);
  if (!Number.isSafeInteger(top) || top < 0) throw new InvalidOptionError(`--top must be an integer >= 0, got '${values.top}'`);
  if (top === 0 && !values.density) throw new InvalidOptionError('nothing to do: --top 0 without --density');
  if (values['density-out'] && !values.density) throw new InvalidOptionError('--density-out needs --density');
  if (values.out && top === 0) throw new InvalidOptionError('--out holds the top eigenvalues: give --top k');
  let stage = 'top';
  const { options, end } = storeOptions(values, () => stage);
  const op = await TileStoreOperator.open(dir, options);
  const json: Record<string, unknown> = { job: op.job.dir, n: op.n, tiles: op.tileCount, bytesPerPass: op.bytesPerPass };
  try {
    if (!op.symmetric) throw new InvalidOptionError(`${op.job.dir}: a cross kernel K(x1, x2) has no eigenvalues; a spectrum needs a job planned without x2`);
    const seed = Number(values.seed);
    let deflate: { values: Float64Array; vectors: Matrix<Float64Array> } | undefined;
    if (top > 0) {
      const t0 = performance.now();
      const p0 = op.passes;
      const r = await blockTopEigen(op, { k: top, block: values.block ? positiveInt('block', values.block, top) : undefined, tol: positive('tol', values.tol), maxPasses: values['max-passes'] ? positiveInt('max-passes', values['max-passes'], 60) : undefined, seed });
      end();
      const ms = performance.now() - t0;
      if (r.converged) deflate = r;
      json.top = { values: [...r.values], residuals: [...r.residuals], passes: op.passes - p0, block: r.block, converged: r.converged, ms };
      if (!values.json) {
        out(`top ${top} eigenvalues (block Krylov, ${r.block} vectors per pass, ${op.passes - p0} passes, ${(ms / 1000).toFixed(2)} s${r.converged ? '' : ', NOT converged'}):`);
        r.values.forEach((v, j) => out(`  ${String(j + 1).padStart(3)}  ${v.toPrecision(10)}   residual ${r.residuals[j].toExponential(1)}`));
      }
      if (values.out) {
        const runId = op.job.id;
        const table = await new ResultStream(resultSchema('spectrum', { params: { job: op.job.id, k: top, method: 'block-krylov', passes: op.passes - p0, block: r.block, converged: r.converged }, runId }), [
          spectrumBatch({ eigenvalues: r.values, kernelKind: 'ntk', label: options.kernel ?? 'ntk', runId }),
        ]).toTable();
        await writeTable(values.out, table);
        if (!values.json) out(`wrote ${values.out} (Arrow 'spectrum': the top ${top} eigenvalues)`);
      }
    }
    if (values.density) {
      stage = 'density';
      const t0 = performance.now();
      const p0 = op.passes;
      // With --top, the density deflates the converged top pairs (exact weight 1/n each; the probes see the rest).
      const d = await slq(op, { probes: positiveInt('probes', values.probes, 16), steps: positiveInt('steps', values.steps, 50), seed, deflate });
      end();
      const ms = performance.now() - t0;
      const q = (p: number): number => d.quantiles(1001)[Math.round(p * 1000)];
      json.density = { deflated: deflate ? top : 0, probes: d.probes, steps: d.steps, passes: op.passes - p0, ms, quantiles: { p01: q(0.01), p25: q(0.25), p50: q(0.5), p75: q(0.75), p99: q(0.99) }, traceEstimate: d.trace((x) => x) };
      if (!values.json) {
        out(`spectral density (SLQ, ${d.probes} probes x ${d.steps} steps${deflate ? `, top ${top} deflated` : ''}, ${op.passes - p0} passes, ${(ms / 1000).toFixed(2)} s): ` +
          `quantiles 1% ${q(0.01).toPrecision(4)}, 25% ${q(0.25).toPrecision(4)}, median ${q(0.5).toPrecision(4)}, 75% ${q(0.75).toPrecision(4)}, 99% ${q(0.99).toPrecision(4)}; ` +
          `tr K ~ ${d.trace((x) => x).toPrecision(5)}`);
      }
      if (values['density-out']) {
        await writeTable(values['density-out'], await slqDensityTable(d, { label: options.kernel ?? 'ntk', runId: op.job.id }));
        if (!values.json) out(`wrote ${values['density-out']} (Arrow 'density': curve '${options.kernel ?? 'ntk'}:slq')`);
      }
    }
    if (values.json) out(JSON.stringify(json, null, 2));
    return 0;
  } finally {
    end();
    await op.close();
  }
}

/** `tiles solve <job>`: kernel ridge (K + lambda I) alpha = y by preconditioned CG on the store. */
export async function tilesSolve(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...common,
      targets: { type: 'string' },
      ridge: { type: 'string' },
      out: { type: 'string' },
      preconditioner: { type: 'string', default: 'nystrom' },
      rank: { type: 'string' },
      tol: { type: 'string' },
      'max-iterations': { type: 'string' },
      seed: { type: 'string', default: '0' },
      fitted: { type: 'string' },
      predict: { type: 'string' },
      predictions: { type: 'string' },
      'pivot-block': { type: 'string' },
      'gd-times': { type: 'string' },
      lr: { type: 'string' },
      loss: { type: 'string' },
    },
    strict: true,
  });
  const dir = oneJob(positionals, 'solve');
  if ((values.predict === undefined) !== (values.predictions === undefined)) throw new InvalidOptionError('--predict <cross-job> and --predictions p.npy go together');
  if (values['gd-times'] !== undefined) return gdSolve(dir, values, out);
  if (values.lr !== undefined || values.loss !== undefined) throw new InvalidOptionError('--lr and --loss belong to --gd-times (gradient descent)');
  if (!values.targets || !values.ridge || !values.out) throw new InvalidOptionError('tiles solve needs --targets y.npy, --ridge LAMBDA and --out alpha.npy');
  const pre = values.preconditioner;
  if (pre !== 'nystrom' && pre !== 'jacobi' && pre !== 'pivoted-cholesky' && pre !== 'none') throw new InvalidOptionError(`--preconditioner must be nystrom, jacobi, pivoted-cholesky or none, got '${pre}'`);
  if (values['pivot-block'] !== undefined && pre !== 'pivoted-cholesky') throw new InvalidOptionError('--pivot-block needs --preconditioner pivoted-cholesky');
  const ridge = positive('ridge', values.ridge)!;
  const y = await readNpyMatrix(values.targets);
  let stage = 'solve';
  const { options, end } = storeOptions(values, () => stage);
  const op = await TileStoreOperator.open(dir, options);
  const cross = values.predict ? await TileStoreOperator.open(values.predict, { ...options }) : undefined;
  let pivotBar: ReturnType<typeof progressBar> | undefined;
  try {
    const t0 = performance.now();
    const r = await kernelRidgeOnStore(op, y, {
      ridge,
      preconditioner: pre,
      rank: values.rank ? positiveInt('rank', values.rank, 200) : undefined,
      pivotBlock: values['pivot-block'] ? positiveInt('pivot-block', values['pivot-block'], 1) : undefined,
      tol: positive('tol', values.tol),
      maxIterations: values['max-iterations'] ? positiveInt('max-iterations', values['max-iterations'], 500) : undefined,
      seed: Number(values.seed),
      cross,
      onIteration: (it) => {
        pivotBar?.end();
        pivotBar = undefined;
        stage = `CG iteration ${it + 1}:`;
      },
      // The factor reads columns, not passes: a line of its own (pivots of rank).
      onPivot: (done, rank) => {
        pivotBar ??= progressBar('pivoted Cholesky pivots');
        pivotBar.update(done, rank);
      },
    });
    end();
    const ms = performance.now() - t0;
    await writeNpyMatrix(values.out, r.alpha);
    if (values.fitted) await writeNpyMatrix(values.fitted, r.fitted);
    if (r.predictions && values.predictions) await writeNpyMatrix(values.predictions, r.predictions);
    const summary = { iterations: r.cg.iterations, converged: r.cg.converged, residuals: [...r.cg.residuals], history: [...r.cg.history], preconditioner: r.preconditioner, passes: r.passes, columnTileReads: op.columnReads, ms };
    if (values.json) out(JSON.stringify(summary, null, 2));
    else {
      out(`(K + ${ridge} I) alpha = y for ${y.cols} column${y.cols > 1 ? 's' : ''}: CG with ${r.preconditioner} preconditioning, ${r.cg.iterations} iterations, ${r.passes} passes, ${(ms / 1000).toFixed(2)} s; ` +
        `relative residual ${Math.max(...r.cg.residuals).toExponential(2)}${r.cg.converged ? '' : ' (NOT converged: raise --max-iterations or the ridge)'}`);
      out(`wrote ${values.out}${values.fitted ? `, ${values.fitted}` : ''}${values.predictions ? `, ${values.predictions} (${r.predictions!.rows} x ${r.predictions!.cols})` : ''}`);
    }
    return r.cg.converged ? 0 : 1;
  } finally {
    end();
    await op.close();
    await cross?.close();
  }
}

/** The file of time t: `{t}` in the name replaced by t, else `-t<t>` before the extension. */
export function timedPath(template: string, t: number): string {
  const label = t === Infinity ? 'inf' : String(t);
  if (template.includes('{t}')) return template.split('{t}').join(label);
  const dot = template.lastIndexOf('.');
  return dot > template.lastIndexOf('/') ? `${template.slice(0, dot)}-t${label}${template.slice(dot)}` : `${template}-t${label}`;
}

/** `tiles solve <job> --gd-times ...`: gradient-flow predictions at finite times (src/tiles/store-gd.ts). */
async function gdSolve(dir: string, values: Record<string, string | boolean | undefined>, out: Out): Promise<number> {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  if (!str('targets') || !str('out')) throw new InvalidOptionError('tiles solve --gd-times needs --targets y.npy and --out f.npy (one file per time: {t} in the name, or -t<time> added)');
  for (const k of ['rank', 'pivot-block', 'fitted']) if (str(k) !== undefined) throw new InvalidOptionError(`--${k} belongs to kernel ridge, not to --gd-times (gradient descent from zero outputs)`);
  if (values.preconditioner !== 'nystrom') throw new InvalidOptionError('--preconditioner belongs to kernel ridge, not to --gd-times');
  const times = str('gd-times')!.split(',').map((raw) => {
    const t = raw.trim() === 'inf' || raw.trim() === 'Infinity' ? Infinity : Number(raw);
    if (raw.trim() === '' || !(t >= 0)) throw new InvalidOptionError(`--gd-times must be comma-separated times >= 0 (inf allowed), got '${raw}'`);
    return t;
  });
  const loss = str('loss') ?? 'mean';
  if (loss !== 'mean' && loss !== 'per-example' && loss !== 'sum') throw new InvalidOptionError(`--loss must be mean, per-example or sum, got '${loss}'`);
  const y = await readNpyMatrix(str('targets')!);
  let stage = 'gradient descent';
  const { options, end } = storeOptions(values as { workers?: string; kernel?: string; verify?: string }, () => stage);
  const op = await TileStoreOperator.open(dir, options);
  const cross = str('predict') ? await TileStoreOperator.open(str('predict')!, { ...options }) : undefined;
  try {
    const t0 = performance.now();
    const r = await gradientDescentOnStore(op, y, {
      times,
      lr: positive('lr', str('lr'), 1),
      lossNormalization: loss,
      diagReg: str('ridge') === undefined ? 0 : positive('ridge', str('ridge')),
      tol: positive('tol', str('tol')),
      maxSteps: str('max-iterations') ? positiveInt('max-iterations', str('max-iterations'), 500) : undefined,
      cross,
      onStep: (s) => (stage = `Lanczos step ${s + 1}:`),
    });
    end();
    const ms = performance.now() - t0;
    const files: string[] = [];
    for (let u = 0; u < times.length; u++) {
      const f = timedPath(str('out')!, times[u]);
      await writeNpyMatrix(f, r.train[u]);
      files.push(f);
      if (r.predictions && str('predictions')) {
        const p = timedPath(str('predictions')!, times[u]);
        await writeNpyMatrix(p, r.predictions[u]);
        files.push(p);
      }
    }
    const summary = { times: times.map((t) => (t === Infinity ? 'inf' : t)), flowTimes: [...r.flowTimes].map((t) => (t === Infinity ? 'inf' : t)), steps: r.steps, columnSteps: [...r.columnSteps], converged: r.converged, changes: [...r.changes], passes: r.passes, files, ms };
    if (values.json) out(JSON.stringify(summary, null, 2));
    else {
      out(`gradient flow (MSE, from zero outputs) at t = ${times.join(', ')} for ${y.cols} column${y.cols > 1 ? 's' : ''}: ${r.steps} Lanczos steps, ${r.passes} passes, ${(ms / 1000).toFixed(2)} s; ` +
        `largest relative change ${Math.max(...r.changes).toExponential(2)}${r.converged ? '' : ' (NOT converged: raise --max-iterations)'}`);
      out(`wrote ${files.join(', ')}`);
    }
    return r.converged ? 0 : 1;
  } finally {
    end();
    await op.close();
    await cross?.close();
  }
}
