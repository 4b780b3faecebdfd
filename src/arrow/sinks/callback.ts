/** A sink that hands each batch to a function: progress displays, comms, custom accumulators. */
import type { RecordBatch, Schema, TypeMap } from 'apache-arrow';
import type { StreamStatus } from '../metadata';
import type { ResultSink } from '../sink';

/** Where a batch sits in its stream. */
export interface BatchProgress {
  /** 0-based index of this batch. */
  index: number;
  /** Rows in the batches before this one. */
  rowsBefore: number;
  /** The stream's schema (columns and run metadata). */
  schema: Schema;
}

/** Called once per batch; a returned promise is awaited before the next batch is pulled. */
export type BatchCallback<T extends TypeMap> = (batch: RecordBatch<T>, progress: BatchProgress) => void | Promise<void>;

/** Calls a function for each batch; resolves to the end status. */
export class CallbackSink<T extends TypeMap> implements ResultSink<T, StreamStatus> {
  private schema: Schema<T> | undefined;
  private index = 0;
  private rows = 0;

  /** `fn` sees every batch in order; `onClose`, when given, sees the end status. */
  constructor(
    private readonly fn: BatchCallback<T>,
    private readonly onClose?: (status: StreamStatus) => void | Promise<void>,
  ) {}

  /** Remembers the schema for the progress records. */
  start(schema: Schema<T>): void {
    this.schema = schema;
  }

  /** Calls the function and waits for it. */
  async write(batch: RecordBatch<T>): Promise<void> {
    const progress: BatchProgress = { index: this.index, rowsBefore: this.rows, schema: this.schema as Schema };
    this.index++;
    this.rows += batch.numRows;
    await this.fn(batch, progress);
  }

  /** Resolves to the status (after `onClose`). */
  async close(status: StreamStatus): Promise<StreamStatus> {
    if (this.onClose) await this.onClose(status);
    return status;
  }
}
