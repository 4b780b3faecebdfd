/**
 * The Ray executor: runs ntk-lab's Python driver (`python -m ntk_lab_ray`, shipped in the package under
 * src/tiles/ray/ntk_lab_ray) with PYTHONPATH pointing at it and this Node and this ntk-lab's CLI filled in, and
 * streams its progress. The driver submits one Ray task per unfinished tile, each running the worker CLI
 * (`tiles run <job> --index K`) on whichever node Ray picks, retried on crashes; docs/tiles.md, "Ray".
 *
 *   const r = await runRay('runs/k3000', { address: '10.0.0.1:6379', onLine: console.log });
 *   r.code === 0 && r.summary!.failed.length === 0
 *
 * The job is opened here first (another ntk-lab version, changed inputs: the job's own errors, before any Python
 * starts). The job folder, Node and ntk-lab must be at the same paths on every node of the cluster.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidOptionError } from '../errors';
import { TileJob } from './job';
import { RayUnavailableError } from './ray/errors';

/** The package (or repository) root: build/src/tiles -> ../../.. */
const PACKAGE_ROOT = resolve(__dirname, '../../..');

/** The folder to put on PYTHONPATH: it holds the driver package `ntk_lab_ray`. */
export const RAY_DRIVER_PATH = join(PACKAGE_ROOT, 'src', 'tiles', 'ray');

/** Exit codes of the driver (src/tiles/ray/ntk_lab_ray/__init__.py). */
const EXIT_NO_RAY = 3;

/** Options of runRay. */
export interface RayRunOptions {
  /** The cluster's address, host:port of its GCS (default Ray's own: $RAY_ADDRESS, else a cluster `ray start`ed on this machine, else a new one here); 'local' starts a new one here. */
  address?: string;
  /** Retries per tile after its worker crashed or was killed (default 2): Ray's max_retries, with retry_exceptions. */
  retries?: number;
  /** CPUs Ray reserves per tile task (default 1; fractions allowed). */
  cpusPerTask?: number;
  /** BLAS threads per tile, OPENBLAS_NUM_THREADS = OMP_NUM_THREADS (default floor(cpusPerTask), at least 1). */
  threads?: number;
  /** Count a tile done by its size only, not its sha256 (the worker still hashes a tile before skipping it). */
  quick?: boolean;
  /** The Python with ray (default: $PYTHON, else ./.venv, else this package's .venv, else python3 on the PATH). */
  python?: string;
  /** Node.js on the nodes (default: this process's, process.execPath; 'node' takes each node's PATH). */
  node?: string;
  /** ntk-lab's bin/ntk-lab.js on the nodes (default: this package's). */
  cli?: string;
  /** Extra environment variables for the workers (NTK_* variables of this environment are passed on anyway). */
  env?: Record<string, string>;
  /** Also keep the driver's JSON summary in this file. */
  summary?: string;
  /** Each line the driver prints (progress on stdout; Ray's warnings and the driver's errors on stderr). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborting sends SIGINT to the driver, which cancels the tasks and exits 130 (finished tiles are kept). */
  signal?: AbortSignal;
}

/** One tile a Ray task ran: where (Ray node id, host, worker process id) and how long (s, including Node's start). */
export interface RayTileRun {
  index: number;
  name: string;
  node: string;
  host: string;
  pid: number;
  seconds: number;
  /** False when the worker found the tile done (another task had just written it). */
  computed: boolean;
}

/** A node of the cluster when the run started. */
export interface RayNode {
  node: string;
  host: string | null;
  address: string | null;
  cpus: number;
}

/** The driver's summary of a run (its --summary JSON). */
export interface RayRunSummary {
  job: string;
  jobId: string;
  tiles: number;
  /** Tiles done before the run (not submitted). */
  alreadyDone: number;
  computed: number;
  skipped: number;
  /** Tiles that failed after `attempts` attempts, with the last attempt's message (and the worker's output). */
  failed: { index: number; name: string; attempts: number; error: string }[];
  notRun: number;
  interrupted: boolean;
  retries: number;
  wallSeconds: number;
  nodes: RayNode[];
  ran: RayTileRun[];
}

/** How a run ended: the driver's exit code (0 done, 1 tiles failed, 2 bad input, 4 no cluster, 130 interrupted) and summary. */
export interface RayRunResult {
  code: number;
  /** The Python that ran the driver. */
  python: string;
  /** Undefined when the driver stopped before it had one (bad arguments, no cluster). */
  summary: RayRunSummary | undefined;
}

/** The Python runRay uses: `explicit`, else $PYTHON, else ./.venv's, else this package's .venv's, else 'python3'. */
export function rayPython(explicit?: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  if (explicit) return explicit;
  if (env.PYTHON) return env.PYTHON;
  const bin = process.platform === 'win32' ? join('Scripts', 'python.exe') : join('bin', 'python');
  for (const root of [cwd, PACKAGE_ROOT]) {
    const py = join(root, '.venv', bin);
    if (existsSync(py)) return py;
  }
  return 'python3';
}

function checkCount(name: string, v: number | undefined, min: number, integer: boolean): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)) || (!integer && v <= 0)) {
    throw new InvalidOptionError(`${name} must be ${integer ? `an integer >= ${min}` : 'a number > 0'}, got ${v}`);
  }
}

/** The driver's command line for `dir` (absolute) and `options`. */
function driverArgs(dir: string, options: RayRunOptions, summary: string): string[] {
  const args = ['-m', 'ntk_lab_ray', dir, '--node', options.node ?? process.execPath, '--cli', options.cli ?? join(PACKAGE_ROOT, 'bin', 'ntk-lab.js'), '--summary', summary];
  if (options.address !== undefined) args.push('--address', options.address);
  if (options.retries !== undefined) args.push('--retries', String(options.retries));
  if (options.cpusPerTask !== undefined) args.push('--cpus-per-task', String(options.cpusPerTask));
  if (options.threads !== undefined) args.push('--threads', String(options.threads));
  if (options.quick) args.push('--quick');
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new InvalidOptionError(`env: '${k}' is not a variable name`);
    args.push('--env', `${k}=${v}`);
  }
  return args;
}

/** Runs every unfinished tile of the job in `dir` on a Ray cluster through the Python driver; see the module comment. */
export async function runRay(dir: string, options: RayRunOptions = {}): Promise<RayRunResult> {
  checkCount('retries', options.retries, 0, true);
  checkCount('threads', options.threads, 1, true);
  checkCount('cpusPerTask', options.cpusPerTask, 0, false);
  // Another version, a foreign folder or changed inputs fail here, with the job's own errors.
  const job = await TileJob.open(dir, { mode: 'run' });
  await job.dispose();
  const python = rayPython(options.python);
  const scratch = mkdtempSync(join(tmpdir(), 'ntk-lab-ray-'));
  const summaryPath = options.summary ?? join(scratch, 'summary.json');
  try {
    const args = driverArgs(job.dir, options, summaryPath);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PYTHONPATH: [RAY_DRIVER_PATH, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONUNBUFFERED: '1',
    };
    const { code, stderr } = await driver(python, args, env, options);
    if (code === EXIT_NO_RAY) throw new RayUnavailableError(stderr.trim().replace(/^ntk_lab_ray: /, '') || `${python} cannot import ray: install it with \`${python} -m pip install ray\``);
    let summary: RayRunSummary | undefined;
    if (existsSync(summaryPath)) summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as RayRunSummary;
    return { code, python, summary };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Spawns the driver and streams its lines; resolves with its exit code (128 + n after signal n) and its stderr. */
function driver(python: string, args: string[], env: NodeJS.ProcessEnv, options: RayRunOptions): Promise<{ code: number; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(python, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // The driver's own error lines ('ntk_lab_ray: ...') are held to the end: for "no ray" they become the error thrown.
    let stderr = '';
    const held: string[] = [];
    const onAbort = (): void => {
      child.kill('SIGINT');
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new RayUnavailableError(`cannot run Python '${python}' (${e.code ?? e.message}): the Ray executor needs Python 3.10+ with ray ` +
        '(`python3 -m pip install ray`); set PYTHON or pass --python'));
    });
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    createInterface({ input: child.stdout! }).on('line', (line) => options.onLine?.(line, 'stdout'));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (line.startsWith('ntk_lab_ray: ')) {
        stderr += line + '\n';
        held.push(line);
      } else options.onLine?.(line, 'stderr');
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      const exit = code ?? 128 + (signal ? constants.signals[signal] : 0);
      if (exit !== EXIT_NO_RAY) for (const line of held) options.onLine?.(line, 'stderr');
      resolveRun({ code: exit, stderr });
    });
  });
}
