/**
 * The front-end model's data: for each named stream of the current generation, the decoded batches in
 * order. Batches may arrive twice (a re-request crossing a live send) or out of order (a resend after a
 * gap): the store keeps each seq once and hands them on strictly in order, so every plot sees an
 * append-only sequence. A batch that fails to decode takes its place as an error and the stream goes on.
 * Pure: no DOM, no Jupyter, so it runs under Node's test runner.
 */
import { decodeBatch, DecodedBatch } from '../arrow/decode';
import { WidgetDataError } from '../arrow/errors';
import { isWidgetKind, WidgetKind } from '../arrow/kinds';
import type { BatchMessage, DataStatus } from '../protocol';

/** What one stream holds. */
export interface StreamData {
  kind: WidgetKind;
  /** Batches in seq order (0 .. next-1); a batch that failed to decode is undefined here. */
  batches: (DecodedBatch | undefined)[];
  /** Rows of the decoded batches. */
  rows: number;
  /** Decode errors, by seq. */
  errors: Map<number, string>;
  /** Batches with seq >= batches.length, waiting for the gap before them. */
  pending: Map<number, { bytes: Uint8Array | undefined; rows: number }>;
}

/** What accepting a batch did. */
export interface AcceptResult {
  /** Newly in-order batches (decoded ones), to append to plots. */
  appended: DecodedBatch[];
  /** Errors of newly in-order batches. */
  errors: string[];
  /** The batch was dropped: older generation, unknown stream, or a seq already held. */
  ignored: boolean;
}

/** A missing range to ask the kernel for. */
export interface Missing {
  stream: string;
  from: number;
}

/** All streams of one widget model. */
export class StreamStore {
  private gen = 0;
  private readonly data = new Map<string, StreamData>();

  /** `kinds`: the streams this widget reads and the result kind of each. */
  constructor(private readonly kinds: Readonly<Record<string, WidgetKind>>) {}

  /** The generation whose data is held. */
  get generation(): number {
    return this.gen;
  }

  /** Drops all data if `generation` is newer than the held one; true when it did. */
  sync(generation: number): boolean {
    if (generation <= this.gen) return false;
    this.gen = generation;
    this.data.clear();
    return true;
  }

  /** The stream `name` (created empty on first use), or undefined when the widget has no such stream. */
  stream(name: string): StreamData | undefined {
    let s = this.data.get(name);
    if (!s) {
      const kind = this.kinds[name];
      if (kind === undefined || !isWidgetKind(kind)) return undefined;
      s = { kind, batches: [], rows: 0, errors: new Map(), pending: new Map() };
      this.data.set(name, s);
    }
    return s;
  }

  /** Decoded batches of `name`, in order. */
  batches(name: string): DecodedBatch[] {
    return (this.stream(name)?.batches ?? []).filter((b): b is DecodedBatch => b !== undefined);
  }

  /** Batches held in order per stream, decoded or refused (what the kernel's batch counts are compared with). */
  held(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, s] of this.data) out[name] = s.batches.length;
    return out;
  }

  /** Every decode error so far, as 'stream #seq: message'. */
  errors(): string[] {
    const out: string[] = [];
    for (const [name, s] of this.data) for (const [seq, e] of s.errors) out.push(`${name} batch ${seq}: ${e}`);
    return out;
  }

  /** Takes one batch message with its buffer. A newer generation resets the store first. */
  accept(msg: BatchMessage, bytes: Uint8Array | undefined): AcceptResult {
    const result: AcceptResult = { appended: [], errors: [], ignored: true };
    if (msg.generation < this.gen) return result;
    this.sync(msg.generation);
    const s = this.stream(msg.stream);
    if (!s || msg.seq < s.batches.length || s.pending.has(msg.seq)) return result;
    result.ignored = false;
    s.pending.set(msg.seq, { bytes, rows: msg.rows });
    // Hand on every batch that is now in order.
    for (let next = s.pending.get(s.batches.length); next; next = s.pending.get(s.batches.length)) {
      const seq = s.batches.length;
      s.pending.delete(seq);
      try {
        if (!next.bytes) throw new WidgetDataError('the batch message came without its buffer');
        const b = decodeBatch(next.bytes, s.kind, next.rows);
        s.batches.push(b);
        s.rows += b.rows;
        result.appended.push(b);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        s.batches.push(undefined);
        s.errors.set(seq, message);
        result.errors.push(`${msg.stream} batch ${seq}: ${message}`);
      }
    }
    return result;
  }

  /**
   * What to ask the kernel for, given its status: for each stream, from the first batch neither held nor
   * waiting, when the kernel has sent more than that. Empty for another generation than the held one
   * (sync first).
   */
  missing(status: DataStatus): Missing[] {
    if (status.generation !== this.gen) return [];
    const out: Missing[] = [];
    for (const [name, st] of Object.entries(status.streams)) {
      const s = this.stream(name);
      if (!s) continue;
      const have = s.batches.length;
      if (st.batches > have && !s.pending.has(have)) out.push({ stream: name, from: have });
    }
    return out;
  }
}
