/**
 * `ntk-lab start [folder] [--port P] [--python PY] [--no-setup]` (what `npm start` runs in a clone): sets up what is
 * missing, then runs JupyterLab on 127.0.0.1 on a folder of notebooks and prints its URL. The folder: the one given,
 * else the current folder from an installed package (`npx ntk-lab start`), else the clone's tutorials (notebooks/).
 *
 * Setup, each step skipped when already done (so a second run starts at once):
 *  1. the project's Python venv with JupyterLab 4, ipywidgets and the Jupyter client side, made by
 *     `bash scripts/python-venv.sh` (pip, from the machine's package mirror when pip has one): in a clone, the
 *     clone's .venv (with the tests' packages too); from an installed package, `<project>/.venv` beside the project's
 *     node_modules (`--lab`: JupyterLab's packages only), see ./layout.ts;
 *  2. the ntk-lab-widgets JupyterLab extension: an installed package ships it prebuilt (and start fails at once,
 *     before any pip, when it does not); a clone builds it with `npm run build:widgets` when widgets/labextension is
 *     missing (if that fails, the widgets show their static figures and the rest works);
 *  3. the 'ntk-lab' kernelspec and the extension, installed into the venv (`ntk-lab install --prefix <venv>`) when
 *     what is there differs from this package's.
 * `--python PY` uses an existing Jupyter environment instead of the venv (steps 1 and 2 are left to you).
 * The server stops on Ctrl-C or SIGTERM (its kernels with it).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidOptionError } from '../errors';
import { kernelJson, KERNEL_NAME } from '../kernel/kernelspec';
import { checkShippedExtension, installCommand } from './install-command';
import { isInstalledPackage, packageRoot, projectRoot, projectVenv, venvPython, whyNotResolvable } from './layout';

export const START_USAGE = `usage: ntk-lab start [folder] [--port P] [--python PY] [--no-setup]      (npm start -- [options])
  folder        the notebooks JupyterLab opens (default: the current folder; in a clone of the repository: its
                notebooks/); keep them below the folder holding node_modules, so that they can import 'ntk-lab'
  --port P      port of JupyterLab on 127.0.0.1 (default 8888, the next free one if taken)
  --python PY   run JupyterLab from this Python environment instead of the project's .venv (from an installed
                package: <project>/.venv, made on the first start)
  --no-setup    start with what is installed, set up nothing`;

const LAB_MODULES = 'import jupyterlab, ipywidgets, jupyter_server, nbclient';

function say(line: string): void {
  console.log(`ntk-lab start: ${line}`);
}

/** Runs a setup command with its output shown; throws with its name when it fails. */
function setupStep(what: string, cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): void {
  say(`${what}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: 'inherit' });
  if (r.status !== 0) throw new InvalidOptionError(`start: ${what} failed (${r.error ? r.error.message : `exit ${r.status}`})`);
  say(`${what}: done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** True when `python` imports JupyterLab and the rest of the lab's modules. */
function hasLab(python: string): boolean {
  return existsSync(python) && spawnSync(python, ['-c', LAB_MODULES], { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

/** sys.prefix of `python`. */
function prefixOf(python: string): string {
  const r = spawnSync(python, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new InvalidOptionError(`start: cannot run ${python}`);
  return r.stdout.trim();
}

/** Whether the kernelspec and extension in `prefix` are this package's (then nothing is reinstalled). */
function installedMatches(prefix: string, root: string): boolean {
  const spec = join(prefix, 'share', 'jupyter', 'kernels', KERNEL_NAME, 'kernel.json');
  if (!existsSync(spec)) return false;
  try {
    if (JSON.stringify(JSON.parse(readFileSync(spec, 'utf8'))) !== JSON.stringify(kernelJson())) return false;
  } catch {
    return false;
  }
  const built = join(root, 'widgets', 'labextension', 'package.json');
  if (!existsSync(built)) return true; // nothing to install beside the kernelspec
  const installed = join(prefix, 'share', 'jupyter', 'labextensions', 'ntk-lab-widgets', 'package.json');
  return existsSync(installed) && readFileSync(installed, 'utf8') === readFileSync(built, 'utf8');
}

/** Sets up what is missing (see the file comment); returns the Python whose JupyterLab to run. */
export async function setup(root: string, explicitPython?: string): Promise<string> {
  const installed = isInstalledPackage(root);
  // A package without its extension cannot get one: say so before minutes of pip.
  checkShippedExtension(root);
  const venv = projectVenv(root);
  const python = explicitPython ?? venvPython(venv);
  if (!explicitPython) {
    if (hasLab(python)) say(`reusing ${venv} (JupyterLab installed)`);
    else if (installed) setupStep(`Python venv with JupyterLab in ${venv}`, 'bash', [join(root, 'scripts', 'python-venv.sh'), '--lab', '--venv', venv], { cwd: projectRoot(root) });
    else setupStep('Python venv with JupyterLab', 'bash', [join(root, 'scripts', 'python-venv.sh')], { cwd: root });
    if (!hasLab(python)) throw new InvalidOptionError(`start: ${python} still cannot import JupyterLab (${LAB_MODULES})`);
    if (existsSync(join(root, 'widgets', 'labextension', 'package.json'))) say(`reusing the ${installed ? 'prebuilt' : 'built'} widgets extension (widgets/labextension)`);
    else {
      try {
        setupStep('widgets extension', process.execPath, [join(root, 'widgets', 'scripts', 'build.js')], { cwd: root, env: { ...process.env, PATH: `${join(venv, 'bin')}:${process.env.PATH}` } });
      } catch (e) {
        say(`${(e as Error).message}: the widgets will show their static figures in JupyterLab`);
      }
    }
  } else if (!hasLab(python)) {
    throw new InvalidOptionError(`start: ${python} cannot import JupyterLab (${LAB_MODULES}); pip install jupyterlab ipywidgets nbclient`);
  }
  const prefix = prefixOf(python);
  if (installedMatches(prefix, root)) say(`reusing the ${KERNEL_NAME} kernelspec and extension in ${prefix}`);
  else await installCommand('install', ['--prefix', prefix], (line) => say(line.trim()));
  return python;
}

/** Options of startLab(). */
export interface StartOptions {
  root: string;
  python: string;
  port: number;
  /** Folder JupyterLab opens (default: the package's notebooks/). */
  notebooks?: string;
}

/** The folder `start` opens: the one given, else the current folder from an installed package, else the clone's notebooks/. */
export function notebookFolder(given: string | undefined, root: string = packageRoot(), cwd: string = process.cwd()): string {
  const folder = given !== undefined ? resolve(cwd, given) : isInstalledPackage(root) ? resolve(cwd) : join(root, 'notebooks');
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new InvalidOptionError(`start: no such folder: ${given ?? folder}`);
  return folder;
}

/** A running JupyterLab started by startLab(). */
export interface RunningLab {
  proc: ChildProcess;
  url: string;
  /** The first tutorial's URL. */
  tutorial: string;
  token: string;
}

/** Whether something on 127.0.0.1 accepts connections on `port`. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: '127.0.0.1', port });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** A port on 127.0.0.1 that nothing listens on, from `from` upwards (0: one the system picks). */
export async function freePort(from: number): Promise<number> {
  for (let p = from; p <= Math.min(65535, from + 100); p++) {
    const got = await new Promise<number | null>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(null));
      srv.listen(p, '127.0.0.1', () => {
        const bound = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(bound));
      });
    });
    if (got !== null) return got;
    if (from === 0) break;
  }
  throw new InvalidOptionError(`start: no free port on 127.0.0.1 from ${from} to ${from + 100}`);
}

/**
 * Starts `jupyter lab` on `opts.port` and resolves once its URL is printed and the port accepts connections.
 * Jupyter logs its URL before it binds, and with port retries it would bind another port than the one it printed:
 * so retries are off (a taken port makes it exit, and startCommand tries the next) and the URL is announced only
 * when the server answers. Rejects when it exits first or is not listening within `readyMs`.
 */
export function startLab(opts: StartOptions, readyMs = 120_000): Promise<RunningLab> {
  const token = randomBytes(24).toString('hex');
  const args = [
    '-m', 'jupyterlab', '--no-browser', '--ip=127.0.0.1', `--port=${opts.port}`, '--ServerApp.port_retries=0', `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${opts.notebooks ?? join(opts.root, 'notebooks')}`, '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
  ];
  if (process.getuid?.() === 0) args.push('--allow-root');
  const proc = spawn(opts.python, args, { cwd: opts.root, env: process.env, stdio: ['ignore', 'inherit', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    let done = false;
    proc.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d);
      if (done) return;
      seen = (seen + d.toString()).slice(-20_000);
      const m = /(http:\/\/127\.0\.0\.1:(\d+))\/lab\?token=/.exec(seen);
      if (m) {
        done = true;
        const base = m[1];
        const port = Number(m[2]);
        void (async () => {
          const deadline = Date.now() + readyMs;
          while (proc.exitCode === null && proc.signalCode === null && Date.now() < deadline) {
            if (await accepting(port)) {
              resolve({ proc, url: `${base}/lab?token=${token}`, tutorial: `${base}/lab/tree/01-ntk-basics.ipynb?token=${token}`, token });
              return;
            }
            await new Promise((r) => setTimeout(r, 100));
          }
          reject(new InvalidOptionError(proc.exitCode === null && proc.signalCode === null
            ? `start: JupyterLab printed ${base} but did not listen there within ${readyMs / 1000} s`
            : `start: JupyterLab exited with ${proc.exitCode ?? proc.signalCode} before it was up`));
        })();
      }
    });
    proc.on('error', (e) => {
      if (!done) reject(new InvalidOptionError(`start: could not run ${opts.python}: ${e.message}`));
    });
    proc.on('exit', (code) => {
      if (done) return;
      const taken = /already in use|Address already in use|Errno 98/.test(seen);
      reject(new InvalidOptionError(`start: JupyterLab exited with ${code} before it was up${taken ? ` (port ${opts.port} is taken)` : ''}`));
    });
  });
}

/** Stops the lab (SIGTERM: Jupyter shuts its kernels down), SIGKILL after `graceMs`; resolves with its exit code. */
export function stopLab(proc: ChildProcess, graceMs = 10_000): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const killer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    proc.kill('SIGTERM');
  });
}

/** startLab on `port` or the next free one, trying again (3 times at most) when the port is taken before Jupyter binds it. */
async function startOnFreePort(root: string, python: string, port: number, notebooks: string): Promise<RunningLab> {
  let from = port;
  for (let attempt = 0; ; attempt++) {
    const free = await freePort(from);
    if (free !== port && port !== 0) say(`port ${port} is taken; using ${free}`);
    try {
      return await startLab({ root, python, port: free, notebooks });
    } catch (e) {
      if (attempt >= 2 || !/is taken/.test((e as Error).message)) throw e;
      from = port === 0 ? 0 : free + 1;
    }
  }
}

/** The command. */
export async function startCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { port: { type: 'string', default: '8888' }, python: { type: 'string' }, 'no-setup': { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError(`start: --port must be a port number, got '${values.port}'`);
  if (positionals.length > 1) throw new InvalidOptionError(`start: give at most one folder, got ${positionals.join(' ')}`);
  const root = packageRoot();
  const notebooks = notebookFolder(positionals[0], root);
  // The kernel resolves a notebook's imports from its folder: elsewhere `import ... from 'ntk-lab'` fails in every cell.
  const unresolvable = whyNotResolvable(notebooks, root);
  if (unresolvable) say(`warning: notebooks in ${notebooks} cannot import 'ntk-lab' (${unresolvable}); keep them below ${projectRoot(root)}`);
  const python = values['no-setup'] ? (values.python ?? venvPython(projectVenv(root))) : await setup(root, values.python);
  // The requested port, or the next free one (Jupyter's own retries are off: see startLab); a port taken between
  // the check and Jupyter's bind makes Jupyter exit, and the next free port is tried (3 times at most).
  const lab = await startOnFreePort(root, python, port, notebooks);
  say(`JupyterLab (pid ${lab.proc.pid}) is running at ${lab.url} on ${notebooks}`);
  if (existsSync(join(notebooks, '01-ntk-basics.ipynb'))) say(`first tutorial: ${lab.tutorial}`);
  else say(`no tutorials in ${notebooks}: \`npx ntk-lab tutorials <folder>\` copies them into a folder`);
  say('stop it with Ctrl-C');
  const stop = (): void => void stopLab(lab.proc);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code = await new Promise<number | null>((resolve) => {
    if (lab.proc.exitCode !== null) resolve(lab.proc.exitCode);
    else lab.proc.once('exit', (c) => resolve(c));
  });
  process.removeListener('SIGINT', stop);
  process.removeListener('SIGTERM', stop);
  say(`JupyterLab stopped (${code ?? 'signal'})`);
  return code ?? 0;
}
