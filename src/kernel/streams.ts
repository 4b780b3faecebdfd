/**
 * Cell output: process.stdout and process.stderr of the kernel process become stream messages of the
 * calling code's request (as tslab does), so console.log in a cell, or in a timer it started, reaches
 * that cell. The kernel's own log keeps the real stderr (see log.ts).
 */
import type { Iopub } from './iopub';

const decoder = new TextDecoder();

/** Redirects stdout and stderr writes to `iopub`; returns a function that restores them. */
export function redirectStdio(iopub: Iopub): () => void {
  const original = { out: process.stdout.write, err: process.stderr.write };
  const writer = (name: 'stdout' | 'stderr') =>
    function write(chunk: string | Uint8Array, ...rest: unknown[]): boolean {
      iopub.stream(name, typeof chunk === 'string' ? chunk : decoder.decode(chunk));
      const cb = rest.find((r): r is () => void => typeof r === 'function');
      if (cb) queueMicrotask(cb);
      return true;
    };
  process.stdout.write = writer('stdout') as typeof process.stdout.write;
  process.stderr.write = writer('stderr') as typeof process.stderr.write;
  return () => {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  };
}
