/**
 * One lazily started worker thread for the fallback's async calls. Jobs run one after another on it
 * (the machine has few cores and the main thread must stay free). The worker is unref'd while idle, so
 * it never keeps a finished script alive.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { LinalgError, NtkLabError } from '../../errors';
import type { FallbackOp, FallbackResult } from './ops';

interface Pending { resolve: (r: FallbackResult) => void; reject: (e: Error) => void }
interface Reply { id: number; result?: FallbackResult; error?: { name: string; message: string; routine?: string; info?: number } }

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
  worker = undefined;
}

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(path.join(__dirname, 'worker.js'));
  w.on('message', (msg: Reply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (msg.error) {
      const { name, message, routine, info } = msg.error;
      p.reject(routine !== undefined ? new LinalgError(message, routine, info ?? 0) : Object.assign(new NtkLabError(message), { name }));
    } else {
      p.resolve(msg.result as FallbackResult);
    }
  });
  w.on('error', (err) => failAll(err));
  w.on('exit', (code) => { if (pending.size) failAll(new NtkLabError(`linalg fallback worker exited with code ${code}`)); worker = undefined; });
  worker = w;
  return w;
}

/**
 * Runs `req` on the fallback worker thread. Inputs are copied (structured clone) unless their buffers are
 * listed in `transfer` (then they move, and are unusable here afterwards); results are transferred back.
 */
export function runInWorker(req: FallbackOp, transfer: ArrayBuffer[] = []): Promise<FallbackResult> {
  return new Promise((resolve, reject) => {
    const w = getWorker();
    const id = nextId++;
    pending.set(id, { resolve, reject });
    w.ref();
    w.postMessage({ id, req }, transfer);
  });
}
