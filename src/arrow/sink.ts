/**
 * The sink contract. A ResultStream calls start once, write once per batch (waiting for the returned
 * promise before pulling the next batch: that wait is the back-pressure), and close exactly once, with
 * how the stream ended, also after an error or a cancellation.
 */
import type { RecordBatch, Schema, TypeMap } from 'apache-arrow';
import type { StreamStatus } from './metadata';

/** Consumes the batches of one stream and produces an `R` when closed. */
export interface ResultSink<T extends TypeMap, R> {
  /** Called once before any batch, with the stream's schema (columns and run metadata). */
  start(schema: Schema<T>): void | Promise<void>;
  /** Called for each batch, in order; the next batch is pulled only after every sink's write resolved. */
  write(batch: RecordBatch<T>): void | Promise<void>;
  /** Called once at the end, also after errors; a sink that was never started must still settle. */
  close(status: StreamStatus): R | Promise<R>;
}

/** The value a sink resolves to (read off its close method, which may return a promise). */
export type SinkResult<S> = S extends { close(status: StreamStatus): infer R } ? Awaited<R> : never;
