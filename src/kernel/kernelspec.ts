/**
 * The 'ntk-lab' kernelspec: a kernel.json that runs this package's kernel entry point with the Node that
 * installed it, both by absolute path (a kernel started by Jupyter has no node_modules/.bin on its PATH).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VERSION } from '../version';

/** The kernelspec's folder name, which notebooks record as their kernel. */
export const KERNEL_NAME = 'ntk-lab';
/** The name front ends show. */
export const DISPLAY_NAME = 'TypeScript (ntk-lab)';

/** The kernel.json content for `node` running `entry` (defaults: this Node, this package's main.js). */
export function kernelJson(node: string = process.execPath, entry: string = resolve(__dirname, 'main.js')): object {
  return {
    argv: [node, entry, '{connection_file}'],
    display_name: DISPLAY_NAME,
    language: 'typescript',
    // Jupyter interrupts by SIGINT: the kernel aborts the cell's signal and stops waiting for the cell.
    interrupt_mode: 'signal',
    metadata: { ntk_lab_version: VERSION },
  };
}

/** Writes <kernelsDir>/ntk-lab/kernel.json; returns the kernelspec folder. */
export function writeKernelspec(kernelsDir: string, spec: object = kernelJson()): string {
  const dir = join(kernelsDir, KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
  return dir;
}

/** Removes <kernelsDir>/ntk-lab; returns the removed folder, or undefined if there was none. */
export function removeKernelspec(kernelsDir: string): string | undefined {
  const dir = join(kernelsDir, KERNEL_NAME);
  if (!existsSync(join(dir, 'kernel.json'))) return undefined;
  rmSync(dir, { recursive: true, force: true });
  return dir;
}
