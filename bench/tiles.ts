/**
 * bench/tiles: an n-example NTK of the MLP 784-512-512-512-1 (relu, NTK parameterisation, biases; bench/ntk's
 * network) as a tile job run by the local executor, beside the in-memory explicit NTK at n = 2,000 measured in the
 * same run; then the matrix-free work on the stored tiles: one statistics pass, the SLQ spectral density and the
 * block-Krylov top 10 (then deflated from the density), with times and pass counts. Prints a table and writes a JSON result.
 *
 *   npm run build && nice -n 10 node build/bench/tiles.js --n 8000 [--dir DIR] [--workers 2] [--tile 4096] [--threads T]
 *        [--probes 16] [--steps 50] [--block 16] [--reference 2000] [--json out.json] [--keep]
 *
 * FLOP count: bench/ntk's explicit count of the whole n x n kernel (2 per multiply-add: forward and backward GEMMs of
 * n examples, SYRK of each layer's features and deltas counted as n^2 d), the same for both sides; the tiles'
 * recomputed forward/backward passes (each tile redoes them for its rows and columns) are overhead, not counted.
 * Peak RSS per worker: VmHWM of each worker process from /proc, polled every 100 ms (Linux).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBackend } from '../src/backend';
import { linalgInfo } from '../src/linalg';
import { mlp } from '../src/models';
import { ntk } from '../src/ntk';
import { Rng } from '../src/random';
import { blockTopEigen } from '../src/spectra/block-krylov';
import { slq } from '../src/spectra/slq';
import { tileGrid } from '../src/tiles/grid';
import { runLocal, type LocalRunEvent } from '../src/tiles/local-executor';
import { planTileJob } from '../src/tiles/plan';
import { TileStoreOperator } from '../src/tiles/store-operator';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '8000' },
    dir: { type: 'string' },
    workers: { type: 'string', default: '2' },
    tile: { type: 'string', default: '4096' },
    threads: { type: 'string' },
    probes: { type: 'string', default: '16' },
    steps: { type: 'string', default: '50' },
    block: { type: 'string', default: '16' },
    top: { type: 'string', default: '10' },
    reference: { type: 'string', default: '2000' },
    repeat: { type: 'string', default: '3' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});

const DIMS = [784, 512, 512, 512, 1];

/** bench/ntk's FLOPs of the explicit NTK of n examples (2 per multiply-add; SYRK as n^2 d). */
function explicitFlops(n: number, dims: number[]): number {
  let f = 0;
  for (let l = 1; l < dims.length; l++) {
    f += 2 * n * dims[l - 1] * dims[l];
    if (l > 1) f += 2 * n * dims[l] * dims[l - 1];
    f += n * n * dims[l - 1] + n * n * dims[l];
  }
  return f;
}

function network(seed: number) {
  return mlp({ inputDim: 784, widths: [512, 512, 512], outputDim: 1, activation: 'relu', parameterization: 'ntk', bias: true, weightStd: 1, biasStd: 1, seed });
}

/** Peak resident set (VmHWM) of a process in bytes, or undefined once it is gone. */
function peakRss(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** An in-place status line on a terminal (nothing in logs). */
function status(line: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line ? `  ${line}` : ''}`);
}

function int(name: string, raw: string): number {
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got '${raw}'`);
  return v;
}

async function main(): Promise<void> {
  const n = int('n', args.n);
  const workers = int('workers', args.workers);
  const tile = int('tile', args.tile);
  const refN = int('reference', args.reference);
  await ensureBackend();
  const info = linalgInfo();
  const parent = args.dir ? path.resolve(args.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-bench-tiles-'));
  fs.mkdirSync(parent, { recursive: true });
  const dir = path.join(parent, `job-n${n}`);
  if (fs.existsSync(dir)) throw new Error(`${dir} exists: remove it or pick another --dir (the bench plans a fresh job)`);

  // Room on the disk: the upper half of the grid in float32, plus Arrow framing and records (5% margin).
  const grid = tileGrid(n, n, tile, true);
  let entries = 0;
  for (let i = 0; i < grid.rowBlocks; i++) for (let j = i; j < grid.rowBlocks; j++) entries += (Math.min(n, (i + 1) * tile) - i * tile) * (Math.min(n, (j + 1) * tile) - j * tile);
  const need = entries * 4 * 1.05 + n * 784 * 4 + 16e6;
  const fsStat = await fs.promises.statfs(parent);
  const free = fsStat.bavail * fsStat.bsize;
  if (need > free) {
    throw new Error(`${parent}: the job needs about ${(need / 1e9).toFixed(1)} GB (${grid.tiles} tiles of the upper half, float32) and the disk has ${(free / 1e9).toFixed(1)} GB free: ` +
      `pick --dir on a larger disk, or the largest n that fits, about ${Math.floor(n * Math.sqrt(free / need))}`);
  }
  console.log(`bench/tiles: NTK of MLP ${DIMS.join('-')} at n = ${n}, ${grid.tiles} tiles of ${tile} (upper half), ${workers} workers; ${os.cpus().length} cores; ` +
    `linalg ${info.implementation} (${info.blas}, ${info.threads} threads); job in ${dir} (${(need / 1e9).toFixed(2)} GB needed, ${(free / 1e9).toFixed(1)} GB free)`);

  // The in-memory reference, in this run: best of `repeat` after a warm-up.
  const refNet = network(refN);
  const refX = { rows: refN, cols: 784, data: new Rng(refN + 7).normals32(refN * 784) };
  let refS = Infinity;
  try {
    await ntk(refNet, refX);
    for (let r = 0; r < int('repeat', args.repeat); r++) {
      const t0 = performance.now();
      await ntk(refNet, refX);
      refS = Math.min(refS, (performance.now() - t0) / 1000);
    }
  } finally {
    refNet.dispose();
  }
  const refGflops = explicitFlops(refN, DIMS) / 1e9 / refS;

  // Plan and run.
  const net = network(n);
  const t0 = performance.now();
  try {
    await planTileJob(dir, net, { rows: n, cols: 784, data: new Rng(n + 7).normals32(n * 784) }, undefined, { tile, method: 'explicit' });
  } finally {
    net.dispose();
  }
  const planS = (performance.now() - t0) / 1000;
  const peaks = new Map<number, number>();
  const pids = new Set<number>();
  const poll = setInterval(() => {
    for (const pid of pids) {
      const p = peakRss(pid);
      if (p !== undefined) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, p));
    }
  }, 100);
  const onEvent = (e: LocalRunEvent): void => {
    if (e.type === 'started') pids.add(e.pid);
    if (e.type === 'done') status(`tile ${e.finished}/${grid.tiles}`);
  };
  const run = await runLocal(dir, { workers, threads: args.threads ? int('threads', args.threads) : undefined, onEvent }).finally(() => clearInterval(poll));
  status('');
  if (run.failed.length || run.interrupted) throw new Error(`the run did not finish: ${run.failed.length} failed, interrupted ${run.interrupted}`);
  const runS = run.wallMs / 1000;
  const flops = explicitFlops(n, DIMS);
  const tileBytes = fs.readdirSync(path.join(dir, 'tiles')).filter((f) => f.endsWith('.arrow')).reduce((s, f) => s + fs.statSync(path.join(dir, 'tiles', f)).size, 0);
  const records = fs.readdirSync(path.join(dir, 'tiles')).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'tiles', f), 'utf8')) as { computeMs: number; writeMs: number });
  const computeS = records.reduce((s, r) => s + r.computeMs, 0) / 1000;
  const writeS = records.reduce((s, r) => s + r.writeMs, 0) / 1000;

  // Matrix-free work on the store.
  const op = await TileStoreOperator.open(dir, { workers });
  let statsR, slqR, topR;
  let statsS = 0, slqS = 0, topS = 0, slqPasses = 0, topPasses = 0;
  try {
    let t = performance.now();
    statsR = await op.stats();
    statsS = (performance.now() - t) / 1000;
    t = performance.now();
    let p = op.passes;
    topR = await blockTopEigen(op, { k: int('top', args.top), block: int('block', args.block), tol: 1e-8, onProgress: (k, c) => status(`block Krylov pass ${k}: ${c} converged`) });
    topS = (performance.now() - t) / 1000;
    topPasses = op.passes - p;
    status('');
    t = performance.now();
    p = op.passes;
    slqR = await slq(op, { probes: int('probes', args.probes), steps: int('steps', args.steps), deflate: topR.converged ? topR : undefined, onProgress: (k, s) => status(`SLQ pass ${k}/${s}`) });
    slqS = (performance.now() - t) / 1000;
    slqPasses = op.passes - p;
    status('');
  } finally {
    await op.close();
  }
  const passBytes = op.bytesPerPass;
  const rss = [...peaks.values()];
  const result = {
    n, tile, tiles: grid.tiles, workers, cores: os.cpus().length, linalg: `${info.implementation} (${info.blas})`,
    flopCount: 'bench/ntk explicitFlops(n) of the whole kernel (SYRK as n^2 d); tile recomputation not counted',
    reference: { n: refN, seconds: refS, gflops: refGflops },
    plan: { seconds: planS },
    run: { seconds: runS, gflop: flops / 1e9, gflops: flops / 1e9 / runS, vsReference: flops / 1e9 / runS / refGflops, computeSeconds: computeS, writeSeconds: writeS, peakRssPerWorkerBytes: rss, diskBytes: tileBytes, diskWriteMBps: tileBytes / 1e6 / runS },
    stats: { seconds: statsS, passes: 1, readMBps: passBytes / 1e6 / statsS, trace: statsR.trace, frobenius: statsR.frobenius, effectiveRank: statsR.effectiveRank },
    slq: { seconds: slqS, passes: slqPasses, probes: slqR.probes, steps: slqR.steps, secondsPerPass: slqS / slqPasses, median: slqR.quantiles(1001)[500], traceEstimate: slqR.trace((x) => x) },
    top: { seconds: topS, passes: topPasses, block: topR.block, converged: topR.converged, values: [...topR.values], secondsPerPass: topS / topPasses },
    bytesPerPass: passBytes,
  };
  const rows: string[][] = [
    ['step', 'seconds', 'passes', 'rate', 'note'],
    [`ntk() in memory, n = ${refN}`, refS.toFixed(3), '-', `${refGflops.toFixed(1)} GFLOP/s`, 'reference, best of repeats'],
    ['plan', planS.toFixed(2), '-', '-', '1 x 1 check kernel, model and inputs written'],
    [`tiles run (${workers} workers)`, runS.toFixed(2), '-', `${(flops / 1e9 / runS).toFixed(1)} GFLOP/s`, `${((100 * flops) / 1e9 / runS / refGflops).toFixed(0)}% of in-memory; ${(flops / 1e9).toFixed(0)} GFLOP; compute ${computeS.toFixed(1)} s, write ${writeS.toFixed(1)} s (sum over tiles)`],
    ['  disk', '-', '-', `${(tileBytes / 1e6 / runS).toFixed(0)} MB/s written`, `${(tileBytes / 1e9).toFixed(3)} GB of tiles`],
    ['  peak RSS per worker', '-', '-', '-', rss.map((b) => `${(b / 2 ** 20).toFixed(0)} MiB`).join(', ')],
    ['stats pass', statsS.toFixed(2), '1', `${(passBytes / 1e6 / statsS).toFixed(0)} MB/s read`, `effective rank ${statsR.effectiveRank!.toFixed(2)}`],
    [`SLQ density (${slqR.probes} probes${topR.converged ? `, top ${args.top} deflated` : ''})`, slqS.toFixed(2), String(slqPasses), `${(slqS / slqPasses).toFixed(3)} s/pass`, `median eigenvalue ~ ${result.slq.median.toPrecision(3)}`],
    [`block Krylov top ${args.top} (b = ${topR.block})`, topS.toFixed(2), String(topPasses), `${(topS / topPasses).toFixed(3)} s/pass`, `${topR.converged ? 'converged' : 'NOT converged'}; lambda_1 = ${topR.values[0].toPrecision(6)}`],
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((v, c) => (c === 0 || c === 4 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  '));
  const jsonPath = args.json ?? path.join(parent, `tiles-n${n}.json`);
  fs.writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${jsonPath}`);
  if (!args.keep) fs.rmSync(dir, { recursive: true, force: true });
  // A temporary parent of our own: removed too when the JSON went elsewhere.
  if (!args.dir && !args.keep) {
    if (args.json) fs.rmSync(parent, { recursive: true, force: true });
    else console.log(`(job removed; the JSON stays in ${parent})`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
