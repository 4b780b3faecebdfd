/**
 * bench/linalg: ntk-lab's linalg beside numpy, in one invocation, on the same inputs and the same machine
 * load. Run from the repo root after `npm run build:native && npm run build`:
 *
 *   node build/bench/linalg.js [--quick] [--reps N] [--json out.json] [--fallback]
 *
 * Cases: sgemm and dgemm at n = 2048, ssyrk for the Gram of a 2000 x 8192 float32 matrix, dsyevd
 * values (eigvalsh) and values+vectors (eigh) at n = 1000, 2000, 4000 (--quick drops 4000).
 * The TypeScript side writes every input to a temp folder; bench/linalg_numpy.py (run with the project's
 * .venv python) loads the same bytes and answers one timing per request, so ntk-lab and numpy runs
 * alternate and share whatever else the machine is doing. Both inherit this process's environment, so
 * OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE / OPENBLAS_NUM_THREADS are the same for both. Each entry is
 * the best of N runs after one warm-up (no warm-up for the n = 4000 eigen-problems).
 * Targets (issue 4): GEMM >= 0.8x numpy's GFLOP/s, eigvalsh <= 1.2x numpy's time.
 * --fallback adds a small table of the TypeScript fallback beside the addon at sizes it can manage.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { spawn } from 'child_process';
import { performance } from 'perf_hooks';
import { eigh, gram, linalgInfo, matmul, type FloatArray, type Matrix } from '../src/linalg';
import { addonAvailable, selectImplementation } from '../src/linalg/backend';

const root = path.resolve(__dirname, '..', '..');

interface ArraySpec { file: string; dtype: 'float32' | 'float64'; rows: number; cols: number }
type Case =
  | { name: string; op: 'gemm'; a: string; b: string; flops: number; reps: number; warmup: boolean; target?: number }
  | { name: string; op: 'syrk'; a: string; flops: number; reps: number; warmup: boolean; target?: number }
  | { name: string; op: 'eigh'; a: string; vectors: boolean; reps: number; warmup: boolean; target?: number };

interface Row { name: string; ntkSeconds: number; numpySeconds?: number; flops?: number; check?: number; target?: number }

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Uniform(-0.5, 0.5) values from a small fast generator (mulberry32); the data only need to be generic. */
function fill(x: FloatArray, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < x.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    x[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  }
}

function symmetric(n: number, seed: number): Matrix<Float64Array> {
  const a = new Float64Array(n * n);
  fill(a, seed);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  return { rows: n, cols: n, data: a };
}

/** The numpy worker: one request per line, one JSON reply per line. */
class NumpySide {
  private lines: AsyncIterableIterator<string>;
  readonly header: Promise<{ numpy: string; blas: string }>;
  private constructor(private proc: ReturnType<typeof spawn>) {
    this.lines = readline.createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
    this.header = this.next() as Promise<{ numpy: string; blas: string }>;
  }
  static start(dir: string): NumpySide | undefined {
    const py = path.join(root, '.venv', 'bin', 'python');
    if (!fs.existsSync(py)) return undefined;
    const proc = spawn(py, [path.join(root, 'bench', 'linalg_numpy.py'), dir], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
    return new NumpySide(proc);
  }
  private async next(): Promise<unknown> {
    const r = await this.lines.next();
    if (r.done) throw new Error('bench/linalg_numpy.py exited early');
    return JSON.parse(r.value) as unknown;
  }
  async run(name: string): Promise<{ seconds: number; check: number[] }> {
    this.proc.stdin!.write(name + '\n');
    return (await this.next()) as { seconds: number; check: number[] };
  }
  close(): void { this.proc.stdin!.end(); }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function relDiff(a: number[], b: number[]): number {
  const scale = Math.max(...a.map(Math.abs), ...b.map(Math.abs), 1e-300);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]))) / scale;
}

function checksum(m: Matrix): number[] {
  let s = 0;
  for (let i = 0; i < m.data.length; i++) s += m.data[i];
  return [s, m.data[0], m.data[m.data.length - 1]];
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const reps = Number(arg('--reps') ?? 3);
  const jsonOut = arg('--json');
  const info = linalgInfo();

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-bench-linalg-'));
  const inputs = new Map<string, Matrix>();
  const arrays: Record<string, ArraySpec> = {};
  const add = (name: string, m: Matrix) => {
    inputs.set(name, m);
    const file = `${name}.bin`;
    fs.writeFileSync(path.join(dir, file), new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength));
    arrays[name] = { file, dtype: m.data instanceof Float32Array ? 'float32' : 'float64', rows: m.rows, cols: m.cols };
  };
  const mk = <T extends FloatArray>(rows: number, cols: number, data: T, seed: number): Matrix<T> => { fill(data, seed); return { rows, cols, data }; };
  const N = 2048;
  add('a32', mk(N, N, new Float32Array(N * N), 1));
  add('b32', mk(N, N, new Float32Array(N * N), 2));
  add('a64', mk(N, N, new Float64Array(N * N), 3));
  add('b64', mk(N, N, new Float64Array(N * N), 4));
  add('x32', mk(2000, 8192, new Float32Array(2000 * 8192), 5));
  const sizes = quick ? [1000, 2000] : [1000, 2000, 4000];
  for (const n of sizes) add(`s${n}`, symmetric(n, 10 + n));

  const cases: Case[] = [
    { name: 'sgemm n=2048', op: 'gemm', a: 'a32', b: 'b32', flops: 2 * N ** 3, reps, warmup: true, target: 0.8 },
    { name: 'dgemm n=2048', op: 'gemm', a: 'a64', b: 'b64', flops: 2 * N ** 3, reps, warmup: true, target: 0.8 },
    { name: 'ssyrk 2000x8192 Gram', op: 'syrk', a: 'x32', flops: 2000 * 2000 * 8192, reps, warmup: true },
  ];
  for (const n of sizes) {
    const big = n >= 4000;
    cases.push({ name: `dsyevd values n=${n}`, op: 'eigh', a: `s${n}`, vectors: false, reps: big ? 1 : reps, warmup: !big, target: 1.2 });
    cases.push({ name: `dsyevd vectors n=${n}`, op: 'eigh', a: `s${n}`, vectors: true, reps: big ? 1 : Math.min(reps, 2), warmup: !big });
  }
  const manifest = { arrays, cases: Object.fromEntries(cases.map((c) => [c.name, c])) };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));

  const numpy = NumpySide.start(dir);
  const header = numpy ? await numpy.header : undefined;
  const env = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS'].map((k) => `${k}=${process.env[k] ?? '(unset)'}`).join(' ');
  console.log(`bench/linalg  ${new Date().toISOString()}  ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log(`environment (both sides): ${env}`);
  console.log(`ntk-lab: ${info.implementation}, ${info.blas}, ${info.threads} threads${info.notice ? ` (${info.notice})` : ''}`);
  console.log(numpy && header ? `numpy ${header.numpy}: ${header.blas}` : 'numpy: .venv/bin/python not found (bash scripts/python-venv.sh); ntk-lab only');
  console.log('');

  const runOurs = (c: Case): { seconds: number; check: number[] } => {
    const a = inputs.get(c.a)!;
    const t0 = performance.now();
    if (c.op === 'gemm') {
      const r = matmul(a, inputs.get(c.b)!, { checkFinite: false });
      return { seconds: (performance.now() - t0) / 1e3, check: checksum(r) };
    }
    if (c.op === 'syrk') {
      const r = gram(a, { checkFinite: false });
      return { seconds: (performance.now() - t0) / 1e3, check: checksum(r) };
    }
    const r = eigh(a, { vectors: c.vectors });
    const dt = (performance.now() - t0) / 1e3;
    const w = r.values;
    return { seconds: dt, check: [w[0], w[w.length >> 1], w[w.length - 1]] };
  };

  const rows: Row[] = [];
  for (const c of cases) {
    let best = Infinity, bestNp = Infinity;
    let ours: number[] = [], theirs: number[] | undefined;
    for (let r = 0; r < c.reps + (c.warmup ? 1 : 0); r++) {
      const warm = c.warmup && r === 0;
      const o = runOurs(c);
      ours = o.check;
      if (!warm) best = Math.min(best, o.seconds);
      await sleep(150); // let OpenBLAS's spinning threads go idle before the other side starts
      if (numpy) {
        const p = await numpy.run(c.name);
        theirs = p.check;
        if (!warm) bestNp = Math.min(bestNp, p.seconds);
        await sleep(150);
      }
    }
    const row: Row = { name: c.name, ntkSeconds: best, target: c.target };
    if (numpy) row.numpySeconds = bestNp;
    if (c.op !== 'eigh') row.flops = c.flops;
    if (theirs) row.check = relDiff(ours, theirs);
    rows.push(row);
    printRow(row, rows.length === 1);
  }
  numpy?.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (process.argv.includes('--fallback')) fallbackTable(reps);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ env, info, numpy: header, rows }, null, 2));
}

/** The TypeScript fallback beside the addon (best of reps), at sizes the fallback finishes in seconds. */
function fallbackTable(reps: number): void {
  const best = (f: () => void): number => {
    let b = Infinity;
    for (let r = 0; r < reps; r++) { const t0 = performance.now(); f(); b = Math.min(b, (performance.now() - t0) / 1e3); }
    return b;
  };
  const mk = <T extends FloatArray>(rows: number, cols: number, data: T, seed: number): Matrix<T> => { fill(data, seed); return { rows, cols, data }; };
  const n = 512;
  const a32 = mk(n, n, new Float32Array(n * n), 1), b32 = mk(n, n, new Float32Array(n * n), 2);
  const a64 = mk(n, n, new Float64Array(n * n), 3), b64 = mk(n, n, new Float64Array(n * n), 4);
  const x = mk(500, 2000, new Float32Array(500 * 2000), 5);
  const s = symmetric(500, 6);
  const cases: [string, number | undefined, () => void][] = [
    [`sgemm n=${n}`, 2 * n ** 3, () => matmul(a32, b32)],
    [`dgemm n=${n}`, 2 * n ** 3, () => matmul(a64, b64)],
    ['ssyrk 500x2000 Gram', 500 * 500 * 2000, () => gram(x)],
    ['eigh values n=500', undefined, () => eigh(s)],
    ['eigh vectors n=500', undefined, () => eigh(s, { vectors: true })],
  ];
  console.log(`\nTypeScript fallback beside the addon (best of ${reps})`);
  console.log(`${'case'.padEnd(24)}${'fallback'.padEnd(18)}${'addon'.padEnd(18)}addon speed-up`);
  for (const [name, flops, f] of cases) {
    selectImplementation('fallback');
    const tf = best(f);
    let to: number | undefined;
    if (addonAvailable()) { selectImplementation('openblas'); to = best(f); }
    selectImplementation(undefined);
    const fmt = (t: number | undefined) => t === undefined ? '-' : flops ? `${(flops / t / 1e9).toFixed(2)} GFLOP/s` : `${t.toFixed(3)} s`;
    console.log(`${name.padEnd(24)}${fmt(tf).padEnd(18)}${fmt(to).padEnd(18)}${to ? `${(tf / to).toFixed(0)}x` : '-'}`);
  }
}

function printRow(r: Row, first: boolean): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  if (first) {
    console.log(`${pad('case', 24)}${pad('ntk-lab', 16)}${pad('numpy', 16)}${pad('ratio', 22)}${pad('target', 14)}agreement`);
  }
  const fmt = (sec: number | undefined) => sec === undefined ? '-' : r.flops ? `${(r.flops / sec / 1e9).toFixed(1)} GFLOP/s` : `${sec.toFixed(3)} s`;
  let ratio = '-', target = '-';
  if (r.numpySeconds !== undefined) {
    if (r.flops) {
      const x = r.numpySeconds / r.ntkSeconds; // GFLOP/s ratio, ours / numpy
      ratio = `${x.toFixed(2)}x numpy GFLOP/s`;
      if (r.target) target = `>= ${r.target} ${x >= r.target ? 'ok' : 'MISS'}`;
    } else {
      const x = r.ntkSeconds / r.numpySeconds; // time ratio, ours / numpy
      ratio = `${x.toFixed(2)}x numpy time`;
      if (r.target) target = `<= ${r.target} ${x <= r.target ? 'ok' : 'MISS'}`;
    }
  }
  const agree = r.check === undefined ? '-' : `rel diff ${r.check.toExponential(1)}`;
  console.log(`${pad(r.name, 24)}${pad(fmt(r.ntkSeconds), 16)}${pad(fmt(r.numpySeconds), 16)}${pad(ratio, 22)}${pad(target, 14)}${agree}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
