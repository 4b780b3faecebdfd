/**
 * Entry point of the fallback's worker thread: runs FallbackOps posted by ./pool.ts off the main thread,
 * so that a notebook kernel's event loop keeps running during a long fallback eigen-decomposition.
 */
import { parentPort } from 'worker_threads';
import { LinalgError } from '../../errors';
import { runFallbackOp, type FallbackOp } from './ops';

interface Request { id: number; req: FallbackOp }

parentPort?.on('message', ({ id, req }: Request) => {
  try {
    const result = runFallbackOp(req);
    // Transfer the result buffers: the main thread gets them without a copy.
    parentPort?.postMessage({ id, result }, Object.values(result).map((x) => x.buffer as ArrayBuffer));
  } catch (err) {
    const e = err as Error;
    parentPort?.postMessage({
      id,
      error: { name: e.name, message: e.message, routine: e instanceof LinalgError ? e.routine : undefined, info: e instanceof LinalgError ? e.info : undefined },
    });
  }
});
