/**
 * What a cell left behind. tslab's executor reports it on the console it is given: a failure is printed
 * with console.error (the thrown value, or TypeScript's diagnostics one call each) and the value of the
 * last expression with console.log. This console records both instead of printing them, so that the
 * kernel publishes them as an `error` and an `execute_result` (with the execute_reply carrying ename,
 * evalue and traceback), as ipykernel does.
 */
import { format, inspect, types } from 'node:util';
import type { ExecutorConsole } from './tslab';

/** The error fields of an `error` message and of an execute_reply with status 'error'. */
export interface CellError {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** The format string tslab prints each TypeScript diagnostic with: file, line, column, message. */
const DIAGNOSTIC_FORMAT = '%s%d:%d - %s';

/** Frames from here on are the kernel running the cell (vm, tslab's executor), not the cell. */
const INTERNAL_FRAME = /^\s+at (Script\.runInThisContext|Object\.runInThisContext|.*\(node:vm:|.*[\\/]tslab[\\/]dist[\\/])/;

/** Records what one cell reported through the executor's console. */
export class CellOutcome {
  private failure: CellError | undefined;
  private diagnostics: string[] = [];
  private last: { value: unknown } | undefined;

  /** The console to give tslab's executor. */
  readonly console: ExecutorConsole = {
    // tslab calls log only with the value of a cell's last expression (when it is not null or undefined).
    log: (...args: unknown[]) => {
      this.last = { value: args[0] };
    },
    error: (...args: unknown[]) => this.record(args),
  };

  /** Forgets what the previous cell reported. */
  reset(): void {
    this.failure = undefined;
    this.diagnostics = [];
    this.last = undefined;
  }

  /** The value of the cell's last expression, if it had one. */
  value(): { value: unknown } | undefined {
    return this.last;
  }

  /** Why the cell failed: what it reported, or a generic record when it reported nothing. */
  error(): CellError {
    if (this.failure) return this.failure;
    if (this.diagnostics.length > 0) return { ename: 'TypeScriptError', evalue: this.diagnostics.join('\n'), traceback: [...this.diagnostics] };
    return { ename: 'Error', evalue: 'the cell failed (see its output)', traceback: [] };
  }

  /** Diagnostics of a cell that still ran (tslab registers a `//@module` cell despite its errors). */
  warnings(): string[] {
    return [...this.diagnostics];
  }

  /** Records a failure: a thrown value, or one TypeScript diagnostic in tslab's format. */
  record(args: readonly unknown[]): void {
    const [first] = args;
    if (first === DIAGNOSTIC_FORMAT && args.length === 5) {
      this.diagnostics.push(format(...args));
      return;
    }
    this.failure ??= describeThrown(first);
  }
}

/** ename, evalue and traceback of a thrown value; never throws, whatever the value's getters do. */
export function describeThrown(e: unknown): CellError {
  try {
    if (types.isNativeError(e) || e instanceof Error) {
      const err = e as Error;
      const ename = typeof err.name === 'string' && err.name !== '' ? err.name : 'Error';
      const evalue = typeof err.message === 'string' ? err.message : String(err.message);
      const stack = typeof err.stack === 'string' ? err.stack : `${ename}: ${evalue}`;
      return { ename, evalue, traceback: cellFrames(stack.split('\n')) };
    }
    const shown = inspect(e);
    return { ename: 'Uncaught', evalue: shown, traceback: [`Uncaught ${shown}`] };
  } catch {
    // Its name, message, stack or inspection threw (a Proxy, a hostile getter): say so rather than fail.
    return { ename: 'Error', evalue: 'a thrown value that cannot be described', traceback: [] };
  }
}

/** The stack's lines up to the first frame of the machinery that ran the cell. */
function cellFrames(lines: string[]): string[] {
  const cut = lines.findIndex((l) => INTERNAL_FRAME.test(l));
  return cut < 0 ? lines : lines.slice(0, cut);
}
