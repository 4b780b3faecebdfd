/**
 * One RecordBatch -> the bytes of one comm buffer: a complete Arrow IPC stream (schema message with the
 * run's metadata, the batch, end-of-stream), so the front end can decode each buffer alone and the kernel
 * can resend any one of them. The schema is a few hundred bytes; the batch's buffers dominate.
 */
import { RecordBatch, RecordBatchStreamWriter, Schema, TypeMap } from 'apache-arrow';
import { ShapeError } from '../errors';

/** Encodes `batch` under `schema` (the stream's schema, whose metadata names producer and result kind). */
export function encodeBatch<T extends TypeMap>(batch: RecordBatch<T>, schema: Schema<T>): Uint8Array {
  if (batch.schema.fields.length !== schema.fields.length || batch.schema.fields.some((f, i) => f.name !== schema.fields[i].name)) {
    throw new ShapeError(`encodeBatch: batch columns (${batch.schema.fields.map((f) => f.name).join(', ')}) differ from the schema's (${schema.fields.map((f) => f.name).join(', ')})`);
  }
  // Re-wrap the batch's data under the stream's schema: batch builders leave the run metadata out.
  const withMeta = new RecordBatch<T>(schema, batch.data);
  return RecordBatchStreamWriter.writeAll([withMeta]).toUint8Array(true);
}
