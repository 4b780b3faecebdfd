/** Shared helpers of the tile-job tests: temporary folders, the CLI as a child process, kernel comparisons. */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mlp } from '../../src/models';
import { ntk } from '../../src/ntk';
import type { Kernel } from '../../src/ntk/kernel';
import { Rng } from '../../src/random';
import { setupBackend } from '../helpers/setup';

export const REPO = path.resolve(__dirname, '../../..');
export const BIN = path.join(REPO, 'bin', 'ntk-lab.js');

/** CLI process groups still running: a failed test's cleanup ends them before removing their folder. */
const running = new Set<number>();

/** A fresh temporary folder; `cleanup` ends the CLI runs still going (a failed assertion leaves them) and removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const cleanup = (): void => {
    for (const pgid of running) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  };
  return { dir, cleanup };
}

/** n x d standard normals as a row-major matrix (the same seeds give the same inputs as the CLI's plan). */
export function gaussianMatrix(n: number, d: number, seed: number): { rows: number; cols: number; data: Float32Array } {
  return { rows: n, cols: d, data: new Rng(seed).normals32(n * d) };
}

/** ||a - b||_F / ||b||_F (the shared test helper, under the name these tests use). */
export { relFrobenius as relativeError } from '../helpers/finite-differences';

/** A raw little-endian float64 file (as numpy's tofile writes it) as a Float64Array. */
export function readFloat64(file: string): Float64Array {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** A running CLI: its process, and its output so far. */
export interface Cli {
  child: ChildProcess;
  output: () => string;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

/** Starts `ntk-lab <args>` in its own process group (so a test can signal the group as a terminal's Ctrl-C does). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  running.add(child.pid!);
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, timeoutMs);
  timer.unref();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child.pid!);
      resolve({ code, signal, output: out });
    }),
  );
  return { child, output: () => out, done };
}

/** Runs `ntk-lab <args>` to its end. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return startCli(args, env).done;
}

/** Polls until `probe` returns a value (or fails after `timeoutMs`). */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The temporary files in a job's tiles/ folder (name, pid). */
export function temporaries(job: string): { file: string; pid: number }[] {
  return fs.readdirSync(path.join(job, 'tiles')).flatMap((file) => {
    const m = /^\.(.+)\.tmp-[A-Za-z0-9._-]+-(\d+)-[0-9a-f]+$/.exec(file);
    return m ? [{ file, pid: Number(m[2]) }] : [];
  });
}

// The CLI's plan of the acceptance jobs: a seeded MLP 8-64-64-1 on Gaussian inputs from seed + 1 (as `ntk-lab ntk`),
// n = 3000 in tiles of 800 (10 tiles of the upper half).
export const ACCEPTANCE_PLAN = ['--widths', '64,64', '--n', '3000', '--input-dim', '8', '--seed', '0', '--tile', '800'];

/** The kernel of ACCEPTANCE_PLAN computed directly by ntk(): what every assembled job must equal. */
export async function acceptanceKernel(): Promise<Kernel> {
  await setupBackend();
  const net = mlp({ inputDim: 8, widths: [64, 64], seed: 0 });
  try {
    return await ntk(net, gaussianMatrix(3000, 8, 1));
  } finally {
    net.dispose();
  }
}
