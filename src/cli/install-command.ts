/**
 * `ntk-lab install | uninstall [--prefix P | --sys-prefix | --user] [--python PY]`: writes (removes) the
 * 'ntk-lab' kernelspec, and the prebuilt ntk-lab-widgets JupyterLab extension beside it, where Jupyter looks: P/share/jupyter/kernels, the Python environment's
 * sys.prefix, or the user's Jupyter data folder (the default, as `jupyter kernelspec install --user`).
 * An installed package (npm install ntk-lab) must hold the prebuilt extension (its prepack builds it): without it,
 * install fails and writes nothing, rather than leave widgets that can only show their static figures. A clone without
 * `npm run build:widgets` installs the kernelspec alone and says so.
 * `ntk-lab kernel <connection-file>` runs the kernel itself (what the kernelspec does, by absolute paths).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidOptionError } from '../errors';
import { DISPLAY_NAME, kernelJson, KERNEL_NAME, removeKernelspec, writeKernelspec } from '../kernel/kernelspec';
import { installLabextension, prebuiltExtensionDir, removeLabextension } from '../display/labextension';
import { isInstalledPackage, packageRoot } from './layout';

export const INSTALL_USAGE = `usage: ntk-lab install   [--prefix P | --sys-prefix | --user] [--python PY]
       ntk-lab uninstall [--prefix P | --sys-prefix | --user] [--python PY]
       ntk-lab kernel <connection-file>
  --prefix P     kernelspec in P/share/jupyter/kernels/${KERNEL_NAME} (e.g. a virtualenv)
  --sys-prefix   in the sys.prefix of PY (the environment Jupyter runs from)
  --user         in the user's Jupyter data folder (default)
  --python PY    the Python asked for --sys-prefix and --user (default ${defaultPython()})`;

function defaultPython(): string {
  return process.platform === 'win32' ? 'python' : 'python3';
}

/** Runs `PY -c code`; its stdout's last line, or undefined when it fails. */
function askPython(python: string, code: string): string | undefined {
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  return r.stdout.trim().split('\n').pop();
}

/** The user's Jupyter data folder as jupyter_core computes it, without Python. */
function userDataDirFallback(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? homedir(), 'jupyter');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'jupyter');
}

/** The kernels folder chosen by the options. */
export function kernelsDir(opts: { prefix?: string; sysPrefix?: boolean; user?: boolean; python?: string }): string {
  const chosen = [opts.prefix !== undefined, opts.sysPrefix === true, opts.user === true].filter(Boolean).length;
  if (chosen > 1) throw new InvalidOptionError('give at most one of --prefix, --sys-prefix and --user');
  const python = opts.python ?? defaultPython();
  if (opts.prefix !== undefined) return join(opts.prefix, 'share', 'jupyter', 'kernels');
  if (opts.sysPrefix) {
    const prefix = askPython(python, 'import sys; print(sys.prefix)');
    if (!prefix) throw new InvalidOptionError(`--sys-prefix: could not run '${python}' to find its sys.prefix (give --python)`);
    return join(prefix, 'share', 'jupyter', 'kernels');
  }
  const data = askPython(python, 'from jupyter_core.paths import jupyter_data_dir; print(jupyter_data_dir())') ?? userDataDirFallback();
  return join(data, 'kernels');
}

/**
 * Throws when this package is an installed one (not a clone) and lacks the prebuilt widgets extension: a package
 * cannot build it (that needs the widgets' sources and JupyterLab's builder), so only a complete package helps.
 */
export function checkShippedExtension(root: string = packageRoot(), source: string = prebuiltExtensionDir()): void {
  if (!isInstalledPackage(root) || existsSync(join(source, 'package.json'))) return;
  throw new InvalidOptionError(
    `the installed ntk-lab package (${root}) has no prebuilt widgets extension (${source} is missing: the package was packed without it), `
    + 'so its widgets could only show static figures. Install a complete ntk-lab package (`npm pack` in the repository builds it through prepack), then run `npx ntk-lab install` again',
  );
}

/** Runs install or uninstall; returns the exit code. */
export async function installCommand(command: 'install' | 'uninstall', argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { prefix: { type: 'string' }, 'sys-prefix': { type: 'boolean' }, user: { type: 'boolean' }, python: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const dir = kernelsDir({ prefix: values.prefix, sysPrefix: values['sys-prefix'], user: values.user, python: values.python });
  if (command === 'install') {
    checkShippedExtension(); // before anything is written
    const spec = kernelJson();
    const where = writeKernelspec(dir, spec);
    out(`installed kernelspec '${KERNEL_NAME}' (${DISPLAY_NAME}) in ${where}`);
    out(`  runs: ${(spec as { argv: string[] }).argv.join(' ')}`);
    // The widgets' prebuilt JupyterLab extension goes into the same Jupyter data dir (kernels/ and labextensions/).
    const ext = installLabextension(dirname(dir));
    out(ext ? `installed JupyterLab extension ntk-lab-widgets in ${ext}` : `no prebuilt widgets extension at ${prebuiltExtensionDir()} (npm run build:widgets): widgets will show their static fallback`);
    return 0;
  }
  const removed = removeKernelspec(dir);
  out(removed ? `removed kernelspec '${KERNEL_NAME}' from ${removed}` : `no kernelspec '${KERNEL_NAME}' in ${dir}: nothing to remove`);
  const ext = removeLabextension(dirname(dir));
  if (ext) out(`removed JupyterLab extension ntk-lab-widgets from ${ext}`);
  return 0;
}

/** `ntk-lab kernel <connection-file>`: starts the kernel; the process then lives until Jupyter shuts it down. */
export async function kernelCommand(argv: string[]): Promise<number> {
  const { connectionFileArg, startKernel } = await import('../kernel/main');
  const file = connectionFileArg(argv);
  if (!file) throw new InvalidOptionError('kernel: give the connection file (ntk-lab kernel <connection-file>)');
  await startKernel(file);
  return 0;
}
