/**
 * Installs the prebuilt ntk-lab-widgets JupyterLab extension beside the kernelspec: Jupyter finds
 * prebuilt extensions in `<data dir>/labextensions/<package name>` (for a prefix P: P/share/jupyter),
 * the same data dir that holds `kernels/`. No rebuild of JupyterLab is needed; `jupyter labextension
 * list` shows it enabled. The extension is built by `npm run build:widgets` into widgets/labextension.
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODULE_NAME } from './names';

/** Where the prebuilt extension is in this package (build/src/display -> widgets/labextension). */
export function prebuiltExtensionDir(): string {
  return resolve(__dirname, '..', '..', '..', 'widgets', 'labextension');
}

/** Copies the prebuilt extension into `<dataDir>/labextensions/ntk-lab-widgets`; undefined when it was never built. */
export function installLabextension(dataDir: string, source: string = prebuiltExtensionDir()): string | undefined {
  if (!existsSync(join(source, 'package.json'))) return undefined;
  const dest = join(dataDir, 'labextensions', MODULE_NAME);
  rmSync(dest, { recursive: true, force: true });
  cpSync(source, dest, { recursive: true });
  return dest;
}

/** Removes it; returns the removed folder, or undefined when there was none. */
export function removeLabextension(dataDir: string): string | undefined {
  const dest = join(dataDir, 'labextensions', MODULE_NAME);
  if (!existsSync(dest)) return undefined;
  rmSync(dest, { recursive: true, force: true });
  return dest;
}
