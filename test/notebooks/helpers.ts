/** Shared by the notebook, Binder and `npm start` tests: the repository, temp folders, bounded child processes, notebook JSON. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (tests run from build/test/<folder>). */
export const REPO = resolve(__dirname, '..', '..', '..');

/** The ntk-lab command. */
export const CLI = join(REPO, 'bin', 'ntk-lab.js');

/** The headless Chromium (as test/browser uses it). */
export const CHROMIUM = process.env.NTK_CHROMIUM ?? '/usr/bin/chromium';

/** A fresh temp folder and its cleanup. */
export function tempDir(prefix = 'ntk-lab-notebooks-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a finished child process printed. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs a command to its end, or stops it after `timeoutMs`: SIGTERM to its process group (it is started as the
 * leader of a new one, so its children go too), SIGKILL 10 s later.
 */
export function run(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; onLine?: (line: string) => void }): Promise<Finished> {
  return new Promise((done, fail) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!options.onLine) return;
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        options.onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      stopGroup(child.pid, 'SIGTERM');
      killer = setTimeout(() => stopGroup(child.pid, 'SIGKILL'), 10_000);
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killer) clearTimeout(killer);
      // Whatever the command left behind in its group (a kernel, a server) goes with it.
      stopGroup(child.pid, 'SIGKILL');
      done({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Sends `signal` to the process group led by `pid` (a no-op when it is gone). */
export function stopGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** True while the process `pid` exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}


type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- nbformat JSON

/** nbformat stores multi-line strings as lists of lines. */
export function joined(v: unknown): string {
  return Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '';
}

/** Every output of a notebook's code cells with its cell. */
export function outputs(nb: Json): { cell: Json; index: number; out: Json }[] {
  const all: { cell: Json; index: number; out: Json }[] = [];
  (nb.cells as Json[]).forEach((cell, index) => {
    if (cell.cell_type === 'code') for (const out of cell.outputs as Json[]) all.push({ cell, index, out });
  });
  return all;
}

/** The JSON object a notebook prints as `results {...}` in its last cell. */
export function resultsOf(nb: Json): Json {
  for (const { out } of outputs(nb)) {
    if (out.output_type !== 'stream') continue;
    const line = joined(out.text).split('\n').find((l) => l.startsWith('results {'));
    if (line) return JSON.parse(line.slice('results '.length));
  }
  throw new Error('the notebook printed no `results {...}` line');
}

/** Mime types that make an output a figure (what `ntk-lab export` counts). */
export const FIGURE_MIMES = ['application/vnd.plotly.v1+json', 'image/svg+xml', 'image/png', 'image/jpeg', 'application/vnd.jupyter.widget-view+json'];

/** Number of outputs that carry a figure. */
export function figureCount(nb: Json): number {
  return outputs(nb).filter(({ out }) => (out.output_type === 'display_data' || out.output_type === 'execute_result') && FIGURE_MIMES.some((m) => out.data?.[m] !== undefined)).length;
}
