/**
 * The bridge to tslab, used as a library: its executor (TypeScript 5.0 compiler, cell semantics, its own
 * interrupt of awaited cells), its completion/inspection/is-complete answers, and its display API, whose
 * writer this kernel provides. Only the wire server of tslab is replaced (its framing cannot carry buffers).
 */
import type { ConverterSet, Executor } from 'tslab/dist/executor';
import { createExecutor } from 'tslab/dist/executor';
import { createConverter, Converter } from 'tslab/dist/converter';
import * as tslabJupyter from 'tslab/dist/jupyter';
import type { JsonObject } from './json';

/** What the kernel uses of tslab. */
export interface Tslab {
  readonly executor: Executor;
  /** tslab's handler: kernel_info, is_complete, inspect and complete answers. */
  readonly handler: tslabJupyter.JupyterHandlerImpl;
  /** Version of the TypeScript that compiles cells. */
  readonly typescriptVersion: string;
  close(): void;
}

/** Console the executor reports cell errors and last values on. */
export interface ExecutorConsole {
  log(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Node converters made on first use (the browser one is rarely needed and costs a second compiler). */
function converters(): ConverterSet {
  let node: Converter | undefined;
  let browser: Converter | undefined;
  return {
    get node(): Converter {
      return (node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser(): Converter {
      return (browser ??= createConverter({ isJS: false, isBrowser: true }));
    },
    close(): void {
      node?.close();
      browser?.close();
    },
  };
}

/** Starts tslab's executor for cells resolving imports from `rootDir` (the notebook's folder). */
export function startTslab(rootDir: string, console: ExecutorConsole): Tslab {
  const convs = converters();
  void convs.node; // warm the compiler now rather than in the first cell
  const executor = createExecutor(rootDir, convs, console);
  const handler = new tslabJupyter.JupyterHandlerImpl(executor, false);
  const versions = (require('tslab') as { versions: { typescript: string } }).versions;
  return { executor, handler, typescriptVersion: versions.typescript, close: () => handler.close() };
}

/**
 * Makes tslab's display API (`import { display } from 'tslab'`) publish through `write`. tslab reads the
 * writer from its jupyter module's exports at each call; its own server sets it per cell, this kernel once.
 */
export function setTslabDisplayWriter(write: (content: JsonObject, update: boolean) => void): void {
  (tslabJupyter as unknown as { lastWriteDisplayData: (data: JsonObject, update: boolean) => void }).lastWriteDisplayData = write;
}
