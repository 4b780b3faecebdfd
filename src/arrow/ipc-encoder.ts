/**
 * IPC encoding with an end status. This is the one file that leans on apache-arrow's writer internals
 * (its protected `_writeFooter` hook and its AsyncByteQueue sink), so that an upgrade breaks here only.
 *
 * - File format: apache-arrow writes the schema only in the footer, at close. We substitute a schema whose
 *   metadata holds the end status, so `pyarrow.ipc.open_file(p).schema.metadata[b'complete']` tells.
 * - Stream format: there is no footer, so the stream ends with a 0-row batch whose custom metadata holds
 *   the status (`ntk_lab_status: final`), before the end-of-stream marker.
 */
import { AsyncByteQueue, Field, RecordBatch, RecordBatchFileWriter, RecordBatchStreamWriter, Schema, TypeMap, util } from 'apache-arrow';
import { ArrowFormatError } from '../errors';
import { emptyBatch } from './columns';
import { META, statusMetadata, StreamStatus, withStatus } from './metadata';

/** 'file': the IPC file format (random access, footer; `.arrow`); 'stream': the IPC stream format (`.arrows`). */
export type IpcFormat = 'file' | 'stream';

/** Collects the writer's output chunks (views, no copies) until the caller takes them. */
class ChunkCollector extends AsyncByteQueue {
  chunks: Uint8Array[] = [];

  override write(value: Parameters<AsyncByteQueue['write']>[0]): void {
    const u = value instanceof Uint8Array ? value : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value as ArrayBufferLike);
    if (u.byteLength > 0) this.chunks.push(u);
  }
}

/** File writer whose footer schema can be replaced just before close. */
class StatusFileWriter<T extends TypeMap> extends RecordBatchFileWriter<T> {
  footerSchema: Schema<T> | undefined;

  protected override _writeFooter(schema: Schema<T>): this {
    return super._writeFooter(this.footerSchema ?? schema);
  }
}

/** Encodes one stream's batches to IPC bytes; each call returns the chunks to write, in order. */
export class IpcEncoder<T extends TypeMap> {
  private readonly collector = new ChunkCollector();
  private readonly fileWriter: StatusFileWriter<T> | undefined;
  private readonly streamWriter: RecordBatchStreamWriter<T> | undefined;
  private finished = false;
  private batches = 0;
  private rows = 0;

  /** Starts the encoding; the first `take()` holds the header (magic and/or schema message). */
  constructor(
    readonly format: IpcFormat,
    private readonly schema: Schema<T>,
  ) {
    if (format === 'file') this.fileWriter = new StatusFileWriter<T>();
    else this.streamWriter = new RecordBatchStreamWriter<T>();
    this.writer.reset(this.collector, schema);
  }

  /** Encodes a batch; returns the header (first call) and the batch's chunks, which view its buffers. */
  encode(batch: RecordBatch<T>): Uint8Array[] {
    // apache-arrow's writer would silently end the file on a batch of another schema.
    if (!util.compareSchemas(this.schema, batch.schema)) throw new ArrowFormatError('IpcEncoder: batch columns differ from the schema');
    if (this.finished) throw new ArrowFormatError('IpcEncoder: encode after finish');
    this.writer.write(batch);
    this.batches++;
    this.rows += batch.numRows;
    return this.take();
  }

  /**
   * Ends the encoding with `stream`'s end (footer or status batch, then end-of-stream); returns the last chunks.
   * The recorded batch and row counts are this encoder's own: after a failure in another sink, this one
   * may hold a batch more than the stream counted as done.
   */
  finish(stream: StreamStatus): Uint8Array[] {
    if (this.finished) return [];
    this.finished = true;
    const status = this.status(stream);
    if (this.fileWriter) {
      this.fileWriter.footerSchema = new Schema<T>(this.schema.fields, withStatus(this.schema.metadata, status));
    } else {
      const m = statusMetadata(status);
      m.set(META.status, 'final');
      this.writer.write(emptyBatch<T>(this.schema.fields as Field[], m));
    }
    this.writer.close();
    return this.take();
  }

  /** `stream` with this encoder's batch and row counts. */
  status(stream: StreamStatus): StreamStatus {
    return { ...stream, batches: this.batches, rows: this.rows };
  }

  private get writer(): RecordBatchFileWriter<T> | RecordBatchStreamWriter<T> {
    return (this.fileWriter ?? this.streamWriter) as RecordBatchFileWriter<T> | RecordBatchStreamWriter<T>;
  }

  private take(): Uint8Array[] {
    const out = this.collector.chunks;
    this.collector.chunks = [];
    return out;
  }
}
