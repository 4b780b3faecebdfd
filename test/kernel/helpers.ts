/** Shared by the kernel tests: the repository, the project's Python, temp folders, a notebook folder, bounded child processes. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { projectPython } from '../helpers/venv';

/** The repository root (tests run from build/test/kernel). */
export const REPO = resolve(__dirname, '../../..');

/** test/kernel in the source tree (the Python driver and notebooks live there). */
export const SOURCE = join(REPO, 'test/kernel');

/** The project's Python for the protocol tests. */
export function python(): string {
  return projectPython('jupyter_client, nbclient and nbconvert');
}

/** A fresh temp folder and its cleanup. */
export function tempDir(prefix = 'ntk-lab-kernel-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A notebook folder as an npm install would leave it: node_modules/ntk-lab (this repository) beside
 * ntk-lab's dependencies, hoisted (links to this repository's node_modules).
 */
export function notebookFolder(root: string): string {
  const dir = join(root, 'notebooks');
  const modules = join(dir, 'node_modules');
  mkdirSync(modules, { recursive: true });
  symlinkSync(REPO, join(modules, 'ntk-lab'), 'dir');
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (name.startsWith('.') || name === 'ntk-lab') continue;
    symlinkSync(join(REPO, 'node_modules', name), join(modules, name), 'dir');
  }
  return dir;
}

/** What a finished child process printed. */
export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end, or kills it (by its PID) after `timeoutMs`. */
export function run(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Finished> {
  return new Promise((done, fail) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Stops the process `pid` if it still runs (kernels the Python side started, should it have died first). */
export function stopPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Environment for Jupyter commands that see only the kernelspecs under `prefix` (and keep their files in `root`). */
export function jupyterEnv(prefix: string, root: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JUPYTER_PATH: join(prefix, 'share', 'jupyter'),
    JUPYTER_DATA_DIR: join(root, 'jupyter-data'),
    JUPYTER_RUNTIME_DIR: join(root, 'jupyter-runtime'),
    JUPYTER_CONFIG_DIR: join(root, 'jupyter-config'),
    JUPYTER_PLATFORM_DIRS: '1',
    // The driver imports a helper module beside it: no __pycache__ in the source tree.
    PYTHONDONTWRITEBYTECODE: '1',
  };
}
