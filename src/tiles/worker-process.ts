/**
 * The child process of the local executor (forked by local-executor.ts): opens the job once, then computes the
 * tiles the parent sends over the IPC channel, one at a time, answering each. Messages:
 *
 *   parent -> child   { type: 'tile', index }   { type: 'exit' }
 *   child -> parent   { type: 'ready' }   { type: 'started', index }   { type: 'done', index, computed, reason, computeMs }
 *                     { type: 'failed', index, error: { name, message } }   { type: 'fatal', error }
 *
 * SIGINT/SIGTERM (Ctrl-C reaches the whole process group) and a lost parent end it at once; see exitOnInterrupt.
 */
import { removeTemporariesSync } from './atomic';
import { TileJob } from './job';
import { exitOnInterrupt, runTile } from './worker';

/** A message from the parent. */
export type ToWorker = { type: 'tile'; index: number } | { type: 'exit' };

/** An error as it crosses the process boundary. */
export interface WireError {
  name: string;
  message: string;
}

/** A message to the parent. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'started'; index: number }
  | { type: 'done'; index: number; computed: boolean; reason?: string; computeMs: number }
  | { type: 'failed'; index: number; error: WireError }
  | { type: 'fatal'; error: WireError };

function wire(e: unknown): WireError {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}

function send(m: FromWorker): void {
  process.send?.(m);
}

async function main(dir: string): Promise<void> {
  exitOnInterrupt();
  process.on('disconnect', () => {
    removeTemporariesSync();
    process.exit(130);
  });
  let job: TileJob;
  try {
    job = await TileJob.open(dir, { mode: 'run' });
    await job.model();
    await job.inputs();
  } catch (e) {
    send({ type: 'fatal', error: wire(e) });
    process.exit(2);
  }
  // One tile at a time: messages that arrive while one computes wait in this chain.
  let chain = Promise.resolve();
  process.on('message', (m: ToWorker) => {
    chain = chain.then(async () => {
      if (m.type === 'exit') {
        await job.dispose();
        process.exit(0);
      }
      send({ type: 'started', index: m.index });
      try {
        const out = await runTile(job, m.index, { executor: 'local' });
        send({ type: 'done', index: m.index, computed: out.computed, reason: out.reason, computeMs: out.record.computeMs });
      } catch (e) {
        send({ type: 'failed', index: m.index, error: wire(e) });
      }
    });
  });
  send({ type: 'ready' });
}

if (require.main === module) void main(process.argv[2]);
