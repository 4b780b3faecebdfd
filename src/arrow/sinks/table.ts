/** A sink that keeps every batch in memory and makes one Table of them. */
import { RecordBatch, Schema, Table, TypeMap } from 'apache-arrow';
import { ArrowFormatError } from '../../errors';
import { StreamStatus, withStatus } from '../metadata';
import type { ResultSink } from '../sink';

/** Collects batches into a Table; its schema metadata gets the end status (`complete`, `rows`, ...). */
export class TableSink<T extends TypeMap> implements ResultSink<T, Table<T>> {
  private schema: Schema<T> | undefined;
  private readonly batches: RecordBatch<T>[] = [];
  private result: Table<T> | undefined;

  /** Remembers the stream's schema. */
  start(schema: Schema<T>): void {
    this.schema = schema;
  }

  /** Keeps the batch (no copy). */
  write(batch: RecordBatch<T>): void {
    this.batches.push(batch);
  }

  /** The table of all batches; its metadata says whether the stream completed. */
  close(status: StreamStatus): Table<T> {
    if (!this.schema) throw new ArrowFormatError('TableSink was closed before it was started');
    // Counts are this sink's own: after another sink failed, it may hold one batch more than the stream counted.
    const own = { ...status, batches: this.batches.length, rows: this.batches.reduce((s, b) => s + b.numRows, 0) };
    const schema = new Schema<T>(this.schema.fields, withStatus(this.schema.metadata, own));
    this.result = new Table<T>(schema, this.batches.map((b) => new RecordBatch<T>(schema, b.data, b.metadata)));
    return this.result;
  }

  /** The table made at close, also after a failed or cancelled stream (then marked complete: "false"). */
  get table(): Table<T> | undefined {
    return this.result;
  }
}
