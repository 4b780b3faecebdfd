/**
 * Where the command line finds things, in the two ways ntk-lab is used:
 *  - a clone of the repository (`npm start`, the tests): the package root is the project, its `.venv` is the
 *    project's Python environment and `notebooks/` holds the tutorials;
 *  - an installed package (`npm install ntk-lab`, then `npx ntk-lab ...`): the package lives in
 *    `<project>/node_modules/ntk-lab`, is replaced by every `npm install`, and must not be written into; the user's
 *    project is the folder holding that node_modules, and the Python environment ntk-lab makes lives at
 *    `<project>/.venv`, beside node_modules (the kernelspec it holds points into that project's node_modules, so it
 *    belongs to the project, not to the user).
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The package root (this file runs from <root>/build/src/cli). */
export function packageRoot(): string {
  return resolve(__dirname, '..', '..', '..');
}

/** True when this package was installed by npm (it sits in a node_modules folder), false in a clone. */
export function isInstalledPackage(root: string = packageRoot()): boolean {
  return basename(dirname(root)) === 'node_modules';
}

/** The user's project: the folder holding the node_modules that holds this package; in a clone, the clone. */
export function projectRoot(root: string = packageRoot()): string {
  return isInstalledPackage(root) ? dirname(dirname(root)) : root;
}

/** The project's Python environment (`<project>/.venv`): made by `ntk-lab start`, used by run-notebooks too. */
export function projectVenv(root: string = packageRoot()): string {
  return join(projectRoot(root), '.venv');
}

/** The Python of a venv folder. */
export function venvPython(venv: string): string {
  return join(venv, process.platform === 'win32' ? 'Scripts' : 'bin', process.platform === 'win32' ? 'python.exe' : 'python');
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Whether `import 'ntk-lab'` from a notebook in `folder` reaches this package: the first `node_modules/ntk-lab`
 * found walking up from the folder must be this package (by real path). That is the only way tslab's type checker
 * (TypeScript with Node10 resolution) finds it: a package's import of itself by name, which Node allows through
 * `exports`, is not one. The folder need not exist yet. Returns undefined when it resolves, else the reason.
 */
export function whyNotResolvable(folder: string, root: string = packageRoot()): string | undefined {
  const self = real(root);
  for (let dir = resolve(folder); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'ntk-lab');
    if (existsSync(join(candidate, 'package.json'))) {
      return real(candidate) === self ? undefined : `the first node_modules/ntk-lab above it, ${candidate}, is another copy of ntk-lab than this one (${self})`;
    }
    if (dirname(dir) === dir) return `there is no node_modules/ntk-lab in ${resolve(folder)} or any folder above it`;
  }
}
