/**
 * ResultStream: the record batches of one result, in one schema, as the compute produces them.
 *
 *   const stream = new ResultStream(resultSchema('spectrum', meta), producer(), { signal });
 *   const [table, file] = await stream.pipeTo(new TableSink(), new IpcFileSink('out.arrow'));
 *
 * A stream is consumed once: by a for-await loop, or by pipeTo with any number of sinks (the tee).
 * pipeTo pulls one batch, hands it to every sink, and waits for all of them before pulling the next, so
 * at most one batch is in flight whatever the sinks' speeds. On an error or an abort it stops the
 * producer, closes every sink with an incomplete status (files stay readable) and rejects.
 */
import { RecordBatch, Schema, Table, TypeMap, util } from 'apache-arrow';
import { ArrowFormatError, CancelledError } from '../errors';
import type { StreamStatus } from './metadata';
import type { ResultSink, SinkResult } from './sink';
import { BatchCallback, CallbackSink } from './sinks/callback';
import { FileSummary, IpcFileSink, IpcFileSinkOptions } from './sinks/file';
import { TableSink } from './sinks/table';

/** Options of a ResultStream. */
export interface ResultStreamOptions {
  /** Aborting stops the stream between batches (or while waiting for one) with a CancelledError. */
  signal?: AbortSignal;
}

/** The batches of one result, consumable once, by one loop or by several sinks at once. */
export class ResultStream<T extends TypeMap> implements AsyncIterable<RecordBatch<T>> {
  private consumed = false;
  private readonly signal: AbortSignal | undefined;

  /** `schema`: columns + run metadata (see resultSchema); `source`: the producer's batches, all with these columns. */
  constructor(
    readonly schema: Schema<T>,
    private readonly source: AsyncIterable<RecordBatch<T>> | Iterable<RecordBatch<T>>,
    options: ResultStreamOptions = {},
  ) {
    this.signal = options.signal;
  }

  /** Iterates the batches (checked against the schema); throws CancelledError when the signal aborts. */
  async *[Symbol.asyncIterator](): AsyncIterator<RecordBatch<T>> {
    const it = this.open();
    let count = 0;
    try {
      for (;;) {
        const next = await this.pull(it, count);
        if (next.done) return;
        this.check(next.value, count++);
        yield next.value;
      }
    } finally {
      this.stopProducer(it);
    }
  }

  /** Feeds every batch to all `sinks` (a tee with back-pressure) and resolves to their results, in order. */
  async pipeTo<S extends readonly ResultSink<T, unknown>[]>(...sinks: S): Promise<{ -readonly [K in keyof S]: SinkResult<S[K]> }> {
    const it = this.open();
    let batches = 0;
    let rows = 0;
    let failure: { error: unknown } | undefined;
    try {
      await settleAll(sinks.map((s) => () => s.start(this.schema)));
      for (;;) {
        const next = await this.pull(it, batches);
        if (next.done) break;
        this.check(next.value, batches);
        await settleAll(sinks.map((s) => () => s.write(next.value)));
        batches++;
        rows += next.value.numRows;
      }
    } catch (error) {
      failure = { error };
      this.stopProducer(it);
    }
    const status: StreamStatus = { complete: failure === undefined, cancelled: failure?.error instanceof CancelledError, batches, rows, finishedAt: new Date() };
    if (failure) status.error = describe(failure.error);
    const closed = await Promise.allSettled(sinks.map(async (s) => s.close(status)));
    if (failure) throw failure.error;
    const rejected = closed.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (rejected) throw rejected.reason;
    return closed.map((c) => (c as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof S]: SinkResult<S[K]> };
  }

  /** Collects the stream into a Table whose schema metadata includes the end status. */
  async toTable(): Promise<Table<T>> {
    const [table] = await this.pipeTo(new TableSink<T>());
    return table;
  }

  /** Writes the stream to `path` as an Arrow IPC file ('.arrows': IPC stream); resolves to what was written. */
  async toFile(path: string, options: IpcFileSinkOptions = {}): Promise<FileSummary> {
    const [summary] = await this.pipeTo(new IpcFileSink<T>(path, options));
    return summary;
  }

  /** Calls `fn` for each batch (awaiting it: back-pressure); resolves to the end status. */
  async toCallback(fn: BatchCallback<T>): Promise<StreamStatus> {
    const [status] = await this.pipeTo(new CallbackSink<T>(fn));
    return status;
  }

  private open(): AsyncIterator<RecordBatch<T>> | Iterator<RecordBatch<T>> {
    if (this.consumed) throw new ArrowFormatError('ResultStream was already consumed; a stream is read once (use pipeTo with several sinks)');
    this.consumed = true;
    const src = this.source;
    return Symbol.asyncIterator in src ? src[Symbol.asyncIterator]() : src[Symbol.iterator]();
  }

  // Races the producer against the signal so that a cancel does not wait for a long batch to finish.
  private async pull(it: AsyncIterator<RecordBatch<T>> | Iterator<RecordBatch<T>>, done: number): Promise<IteratorResult<RecordBatch<T>>> {
    const signal = this.signal;
    const cancelled = (): CancelledError => new CancelledError(`ResultStream cancelled after ${done} batches: ${describe(signal?.reason)}`);
    if (signal?.aborted) throw cancelled();
    const next = Promise.resolve(it.next());
    if (!signal) return next;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(cancelled());
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([next, aborted]);
    } catch (e) {
      // The producer may still settle later; its outcome no longer matters, but must not go unhandled.
      next.catch(() => undefined);
      throw e;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  private check(batch: RecordBatch<T>, index: number): void {
    if (!(batch instanceof RecordBatch)) throw new ArrowFormatError(`ResultStream: item ${index} from the producer is not a RecordBatch`);
    if (!util.compareSchemas(this.schema, batch.schema)) {
      const cols = (s: Schema): string => s.fields.map((f) => `${f.name}: ${f.type}`).join(', ');
      throw new ArrowFormatError(`ResultStream: batch ${index} has columns (${cols(batch.schema)}), the stream's schema has (${cols(this.schema)})`);
    }
  }

  // Lets the producer run its finally blocks; not awaited, since a busy producer finishes its step first.
  private stopProducer(it: AsyncIterator<RecordBatch<T>> | Iterator<RecordBatch<T>>): void {
    try {
      const r = it.return?.();
      if (r instanceof Promise) r.catch(() => undefined);
    } catch {
      // A producer that throws while stopping has nothing left to report.
    }
  }
}

/** Runs every task to its end, then rethrows the first failure (no sink is closed while another still writes). */
async function settleAll(tasks: readonly (() => unknown)[]): Promise<void> {
  const results = await Promise.allSettled(tasks.map(async (t) => t()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
