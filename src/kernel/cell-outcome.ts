/**
 * tslab's executor reports a failing cell by printing the error (or TypeScript's diagnostics) on the
 * console it is given and returning false. This console records what it printed, so that the
 * execute_reply can carry ename, evalue and traceback as the protocol asks.
 */
import { format } from 'node:util';
import type { ExecutorConsole } from './tslab';

/** The error fields of an execute_reply. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Records the errors a cell prints through the executor's console. */
export class CellErrors {
  private recorded: CellError | undefined;

  /** The console to give tslab's executor: prints as the global console does, and records errors. */
  readonly console: ExecutorConsole = {
    log: (...args: unknown[]) => console.log(...args),
    error: (...args: unknown[]) => {
      this.record(args);
      console.error(...args);
    },
  };

  /** Forgets what the previous cell printed. */
  reset(): void {
    this.recorded = undefined;
  }

  /** What this cell's failure printed, or a generic record when it printed nothing. */
  take(): CellError {
    const r = this.recorded ?? { ename: 'Error', evalue: 'the cell failed (see its output)', traceback: [] };
    this.recorded = undefined;
    return r;
  }

  /** Records a failure the kernel itself saw (e.g. the executor threw). */
  record(args: readonly unknown[]): void {
    const [first] = args;
    if (first instanceof Error) {
      this.recorded ??= { ename: first.name, evalue: first.message, traceback: (first.stack ?? `${first.name}: ${first.message}`).split('\n') };
      return;
    }
    // TypeScript diagnostics come one per call; a cell's are reported together.
    const line = format(...args);
    if (this.recorded?.ename === 'TypeScriptError') {
      this.recorded.evalue += `\n${line}`;
      this.recorded.traceback.push(line);
    } else this.recorded ??= { ename: 'TypeScriptError', evalue: line, traceback: [line] };
  }
}
