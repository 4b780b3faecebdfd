/**
 * What the browser test starts and must stop: a JupyterLab server from the project's venv on
 * 127.0.0.1 (its own config, data, runtime and settings folders under a temporary root, so nothing of the
 * user's leaks in), and its kernels. Everything is stopped by PID; every wait is bounded.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/cli/start-command';


/** Environment that points Jupyter at `root`'s folders and at `prefix` for kernelspecs and extensions. */
export function jupyterEnv(root: string, prefix: string): NodeJS.ProcessEnv {
  const dirs = { JUPYTER_CONFIG_DIR: 'config', JUPYTER_DATA_DIR: 'data', JUPYTER_RUNTIME_DIR: 'runtime', JUPYTERLAB_SETTINGS_DIR: 'settings', JUPYTERLAB_WORKSPACES_DIR: 'workspaces', IPYTHONDIR: 'ipython' };
  const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), JUPYTER_PLATFORM_DIRS: '1', JUPYTER_NO_CONFIG: '' };
  for (const [k, v] of Object.entries(dirs)) {
    env[k] = join(root, v);
    mkdirSync(env[k] as string, { recursive: true });
  }
  // No news pop-up over the notebook, no update check.
  mkdirSync(join(root, 'config', 'labconfig'), { recursive: true });
  writeFileSync(join(root, 'config', 'labconfig', 'page_config.json'), JSON.stringify({ disabledExtensions: { '@jupyterlab/apputils-extension:announcements': true } }));
  return env;
}

/** A running JupyterLab. */
export interface Lab {
  url: string;
  token: string;
  proc: ChildProcess;
  log: string;
}

/** Starts `jupyter lab` on a free port and waits (at most `timeoutMs`) until it answers. */
export async function startLab(jupyter: string, rootDir: string, env: NodeJS.ProcessEnv, logPath: string, timeoutMs = 90_000): Promise<Lab> {
  const port = await freePort(0);
  const token = randomBytes(16).toString('hex');
  const args = [
    'lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${rootDir}`, '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate', '--ServerApp.disable_check_xsrf=True',
  ];
  if (process.getuid?.() === 0) args.push('--allow-root');
  const out = createWriteStream(logPath);
  const proc = spawn(jupyter, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.pipe(out);
  proc.stderr?.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`jupyter lab exited with ${proc.exitCode} (log: ${logPath})`);
    try {
      const r = await fetch(`${url}/api/status?token=${token}`);
      if (r.ok) return { url, token, proc, log: logPath };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  proc.kill('SIGKILL');
  throw new Error(`jupyter lab did not answer within ${timeoutMs} ms (log: ${logPath})`);
}

/** Shuts down the lab's kernels through its API, then the server (SIGTERM, then SIGKILL after 10 s). */
export async function stopLab(lab: Lab): Promise<void> {
  try {
    const r = await fetch(`${lab.url}/api/kernels?token=${lab.token}`);
    const kernels = (await r.json()) as { id: string }[];
    for (const k of kernels) await fetch(`${lab.url}/api/kernels/${k.id}?token=${lab.token}`, { method: 'DELETE' });
  } catch {
    // the server may already be gone; its kernels go with its shutdown below
  }
  if (lab.proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => lab.proc.once('exit', () => r()));
  lab.proc.kill('SIGTERM');
  const timer = setTimeout(() => lab.proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs a command to its end; throws with its output when it fails. */
export function runOrThrow(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? ''}\n${r.stdout}\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}
