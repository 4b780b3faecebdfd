/**
 * The running kernel, as code in a cell finds it. Kept on globalThis under a registered symbol, so a cell
 * that loads another copy of ntk-lab (another node_modules) still reaches the kernel that runs it; absent
 * outside the ntk-lab kernel (plain tslab, Node), where the cell API degrades to static output.
 */
import type { JsonObject } from './json';
import type { CommManager } from './comms/manager';
import type { WidgetRegistry } from './widgets/registry';

/** What the cell API needs from the kernel. */
export interface KernelRuntime {
  readonly comms: CommManager;
  readonly widgets: WidgetRegistry;
  /** Publishes display_data (or update_display_data) content for the calling code's request. */
  display(content: JsonObject, update: boolean): void;
  /** The AbortSignal of the calling code's cell, which a kernel interrupt aborts. */
  signal(): AbortSignal | undefined;
}

const KEY = Symbol.for('ntk-lab.kernel.runtime');

/** The kernel running this process, if it is an ntk-lab kernel. */
export function kernelRuntime(): KernelRuntime | undefined {
  return (globalThis as { [KEY]?: KernelRuntime })[KEY];
}

/** Installs (or, with undefined, removes) the process's kernel runtime; the kernel entry point calls it. */
export function setKernelRuntime(runtime: KernelRuntime | undefined): void {
  (globalThis as { [KEY]?: KernelRuntime })[KEY] = runtime;
}
