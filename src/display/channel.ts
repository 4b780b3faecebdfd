/**
 * The kernel side of a widget's data: for each named stream of the current generation, the encoded
 * batches in order, sent as they exist (one custom message with one raw buffer each) and kept, so a
 * front end that lacks some (a re-rendered or re-opened view, a second browser tab) can ask again.
 * The counts go into the synced `data_status` trait after each batch: that is how a front end knows
 * what it lacks. Every batch is also decoded here, with the front end's own decoder, into a mirror
 * that the static fallback is drawn from, and that catches an encoding fault before a browser does.
 */
import type { RecordBatch, Schema, TypeMap } from 'apache-arrow';
import { decodeBatch, DecodedBatch } from '../figures/arrow/decode';
import type { WidgetKind } from '../figures/arrow/kinds';
import type { BinaryLike, JsonObject } from '../kernel/json';
import type { WidgetState } from '../kernel/widgets/buffer-paths';
import { encodeBatch } from './encode';
import { DATA_STATUS_TRAIT, DataStatus, RequestMessage, StreamState } from './names';

/** What the channel needs of a widget model (WidgetModel has it; the tests pass a fake). */
export interface WidgetPort {
  set(patch: WidgetState): void;
  send(content: JsonObject, buffers?: readonly BinaryLike[]): void;
}

interface StreamEntry {
  kind: WidgetKind;
  buffers: Uint8Array[];
  rows: number[];
  state: StreamState;
  expected: number | null;
  error: string | null;
}

/** Called with each decoded batch of the mirror, and with a batch that would not decode. */
export interface MirrorHandlers {
  batch(stream: string, decoded: DecodedBatch): void;
  error?(stream: string, seq: number, message: string): void;
  reset(): void;
}

/** Streams of one widget model. */
export class BatchChannel {
  private gen = 0;
  private readonly entries = new Map<string, StreamEntry>();
  private error: string | null = null;

  constructor(
    private readonly port: WidgetPort,
    private readonly kinds: Readonly<Record<string, WidgetKind>>,
    private readonly mirror: MirrorHandlers,
  ) {}

  /** The current generation (0 before the first computation). */
  get generation(): number {
    return this.gen;
  }

  /** Starts a new computation: drops every stream's batches, marks the streams running, tells the front end. */
  begin(expectedRows: Readonly<Record<string, number | null>> = {}): number {
    this.gen++;
    this.entries.clear();
    this.error = null;
    for (const [name, kind] of Object.entries(this.kinds)) {
      this.entries.set(name, { kind, buffers: [], rows: [], state: 'running', expected: expectedRows[name] ?? null, error: null });
    }
    this.mirror.reset();
    this.publish();
    return this.gen;
  }

  /** Encodes `batch` (under the stream's `schema`) and sends it as batch seq = count so far of `stream`. */
  push<T extends TypeMap>(stream: string, batch: RecordBatch<T>, schema: Schema<T>): void {
    this.pushBytes(stream, encodeBatch(batch, schema), batch.numRows);
  }

  /** Sends already-encoded Arrow IPC bytes as the next batch of `stream` (the front end checks them). */
  pushBytes(stream: string, bytes: Uint8Array, rows: number): void {
    const e = this.entry(stream);
    const seq = e.buffers.length;
    e.buffers.push(bytes);
    e.rows.push(rows);
    this.send(stream, seq);
    try {
      this.mirror.batch(stream, decodeBatch(bytes, e.kind, rows));
    } catch (err) {
      this.mirror.error?.(stream, seq, err instanceof Error ? err.message : String(err));
    }
    this.publish();
  }

  /** Marks `stream` finished ('complete', 'cancelled' or 'failed' with its error). */
  end(stream: string, state: Exclude<StreamState, 'idle' | 'running'>, error?: string): void {
    const e = this.entry(stream);
    e.state = state;
    e.error = error ?? null;
    this.publish();
  }

  /** Ends every stream still running (those the computation had nothing for, or that it did not reach). */
  endRunning(state: Exclude<StreamState, 'idle' | 'running'>, error?: string): void {
    for (const e of this.entries.values()) {
      if (e.state !== 'running') continue;
      e.state = state;
      e.error = error ?? null;
    }
    this.publish();
  }

  /** Marks the whole computation failed (e.g. invalid parameters): every running stream stops with `message`. */
  fail(message: string): void {
    this.error = message;
    for (const e of this.entries.values()) if (e.state === 'running' || e.state === 'idle') e.state = 'failed';
    this.publish();
  }

  /** Answers a front end's request: resends batches from `from` of the current generation. */
  answer(req: RequestMessage): number {
    if (req.generation !== this.gen) return 0;
    const e = this.entries.get(req.stream);
    if (!e) return 0;
    for (let seq = req.from; seq < e.buffers.length; seq++) this.send(req.stream, seq);
    return Math.max(0, e.buffers.length - req.from);
  }

  /** The status as synced in `data_status`. */
  status(): DataStatus {
    const streams: DataStatus['streams'] = {};
    for (const [name, e] of this.entries) {
      streams[name] = { kind: e.kind, state: e.state, batches: e.buffers.length, rows: e.rows.reduce((s, r) => s + r, 0), expected_rows: e.expected, error: e.error };
    }
    return { generation: this.gen, streams, error: this.error };
  }

  /** Rows sent in `stream`. */
  rows(stream: string): number {
    return (this.entries.get(stream)?.rows ?? []).reduce((s, r) => s + r, 0);
  }

  private entry(stream: string): StreamEntry {
    const e = this.entries.get(stream);
    if (!e) throw new Error(`widget stream '${stream}' is not open (known: ${[...this.entries.keys()].join(', ') || 'none; call begin() first'})`);
    return e;
  }

  private send(stream: string, seq: number): void {
    const e = this.entry(stream);
    this.port.send({ kind: 'batch', generation: this.gen, stream, seq, rows: e.rows[seq] }, [e.buffers[seq]]);
  }

  private publish(): void {
    this.port.set({ [DATA_STATUS_TRAIT]: this.status() as unknown as WidgetState[string] });
  }
}
