/**
 * A sink that writes an Arrow IPC file (or IPC stream) as batches arrive. Each batch is on disk before the
 * next one is pulled, so a cancelled or failed run leaves a valid file holding the batches done so far,
 * marked `complete: "false"` (see ipc-encoder.ts for where each format keeps that mark).
 */
import { open, FileHandle } from 'node:fs/promises';
import type { RecordBatch, Schema, TypeMap } from 'apache-arrow';
import { InvalidOptionError } from '../../errors';
import { IpcEncoder, IpcFormat } from '../ipc-encoder';
import type { StreamStatus } from '../metadata';
import type { ResultSink } from '../sink';

/** Options of an IpcFileSink. */
export interface IpcFileSinkOptions {
  /** Default: 'stream' when the path ends in '.arrows', else 'file'. */
  format?: IpcFormat;
}

/** What a file sink wrote. */
export interface FileSummary {
  path: string;
  format: IpcFormat;
  /** Size of the file, bytes. */
  bytes: number;
  /** How the stream ended (also recorded in the file). */
  status: StreamStatus;
}

// Writes at most this many buffers per writev call (IOV_MAX is 1024 on Linux).
const MAX_IOV = 512;

/** Writes the stream to a file at `path` (created or truncated). */
export class IpcFileSink<T extends TypeMap> implements ResultSink<T, FileSummary> {
  readonly format: IpcFormat;
  private handle: FileHandle | undefined;
  private encoder: IpcEncoder<T> | undefined;
  private bytes = 0;
  // After a failed write the file holds part of a message; a footer after it would point at garbage.
  private broken = false;

  /** `path`: where to write; the format follows the extension unless `options.format` says otherwise. */
  constructor(
    readonly path: string,
    options: IpcFileSinkOptions = {},
  ) {
    const format = options.format ?? (path.endsWith('.arrows') ? 'stream' : 'file');
    if (format !== 'file' && format !== 'stream') throw new InvalidOptionError(`IpcFileSink: format must be 'file' or 'stream', got '${String(format)}'`);
    this.format = format;
  }

  /** Opens the file and prepares the encoder. */
  async start(schema: Schema<T>): Promise<void> {
    this.encoder = new IpcEncoder<T>(this.format, schema);
    this.handle = await open(this.path, 'w');
  }

  /** Encodes the batch and waits until its bytes are handed to the OS. */
  async write(batch: RecordBatch<T>): Promise<void> {
    if (!this.encoder) throw new InvalidOptionError('IpcFileSink.write before start');
    await this.writeChunks(this.encoder.encode(batch));
  }

  /** Writes the end status (footer or status batch) and closes the file. */
  async close(status: StreamStatus): Promise<FileSummary> {
    const handle = this.handle;
    this.handle = undefined;
    try {
      if (handle && this.encoder && !this.broken) await this.writeChunks(this.encoder.finish(status), handle);
    } finally {
      await handle?.close();
    }
    return { path: this.path, format: this.format, bytes: this.bytes, status: this.encoder?.status(status) ?? status };
  }

  private async writeChunks(chunks: Uint8Array[], handle = this.handle): Promise<void> {
    if (!handle) throw new InvalidOptionError('IpcFileSink: file is not open');
    try {
      for (let i = 0; i < chunks.length; i += MAX_IOV) {
        const group = chunks.slice(i, i + MAX_IOV);
        const want = group.reduce((s, c) => s + c.byteLength, 0);
        const { bytesWritten } = await handle.writev(group);
        if (bytesWritten !== want) throw new Error(`short write to ${this.path}: ${bytesWritten} of ${want} bytes`);
        this.bytes += bytesWritten;
      }
    } catch (e) {
      this.broken = true;
      throw e;
    }
  }
}
