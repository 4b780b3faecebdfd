/**
 * The custom messages between a widget's kernel-side class (src/display) and its front-end model, on
 * the widget's comm (ipywidgets' 'custom' method). Bulk data never goes into the widget state: each
 * Arrow RecordBatch travels as one raw buffer, a self-contained IPC stream (schema + batch + end), so
 * a batch can be decoded alone, re-sent alone, and a broken one spoils nothing but itself.
 *
 * kernel -> front end
 *   { kind: 'batch', generation, stream, seq, rows }   buffers: [IPC bytes of batch `seq` of `stream`]
 * front end -> kernel
 *   { kind: 'request', generation, stream, from }      resend batches seq >= from of the generation
 *
 * What exists is in the synced state `data_status` (DataStatus below): a new computation bumps
 * `generation` (the front end drops older data), and the batch counts tell a freshly created or
 * re-opened model which batches it lacks, so it asks for them instead of showing a partial plot.
 * Kept free of DOM and Jupyter imports: the kernel side and the Node tests compile it too.
 */

/** Trait name of the data status in the widget state. */
export const DATA_STATUS_TRAIT = 'data_status';

/** Where one named stream of a widget stands. */
export type StreamState = 'idle' | 'running' | 'complete' | 'cancelled' | 'failed';

/** One stream's counts as the kernel last reported them. */
export interface StreamStatusJson {
  /** Result kind its batches must have (the `result_kind` schema metadata). */
  kind: string;
  state: StreamState;
  /** Batches sent so far in this generation. */
  batches: number;
  rows: number;
  /** Rows the computation will produce when known (drives the progress bar); null when unknown. */
  expected_rows: number | null;
  /** Why the stream stopped (failed or cancelled). */
  error: string | null;
}

/** The `data_status` trait. */
export interface DataStatus {
  /** Bumped by every (re)computation; data of older generations is dropped. */
  generation: number;
  streams: { [name: string]: StreamStatusJson };
  /** Error of the computation as a whole (e.g. invalid parameters), shown in the widget. */
  error: string | null;
}

/** A batch message's content (its buffer holds the IPC bytes). */
export interface BatchMessage {
  kind: 'batch';
  generation: number;
  stream: string;
  seq: number;
  /** Rows in the batch: a decoded batch with another count is refused as truncated. */
  rows: number;
}

/** A front end's request for batches it lacks. */
export interface RequestMessage {
  kind: 'request';
  generation: number;
  stream: string;
  from: number;
}

/** The empty status of a widget before any computation. */
export function emptyDataStatus(): DataStatus {
  return { generation: 0, streams: {}, error: null };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The message as a BatchMessage, or undefined when it is not one (other messages pass by). */
export function asBatchMessage(content: unknown): BatchMessage | undefined {
  if (!isObject(content) || content.kind !== 'batch') return undefined;
  const { generation, stream, seq, rows } = content;
  if (!isCount(generation) || typeof stream !== 'string' || !isCount(seq) || !isCount(rows)) return undefined;
  return { kind: 'batch', generation, stream, seq, rows };
}

/** The message as a RequestMessage, or undefined. */
export function asRequestMessage(content: unknown): RequestMessage | undefined {
  if (!isObject(content) || content.kind !== 'request') return undefined;
  const { generation, stream, from } = content;
  if (!isCount(generation) || typeof stream !== 'string' || !isCount(from)) return undefined;
  return { kind: 'request', generation, stream, from };
}

const STATES: readonly StreamState[] = ['idle', 'running', 'complete', 'cancelled', 'failed'];

/** Reads `data_status` from widget state, tolerating missing or odd values (an old or foreign kernel). */
export function asDataStatus(v: unknown): DataStatus {
  const out = emptyDataStatus();
  if (!isObject(v)) return out;
  if (isCount(v.generation)) out.generation = v.generation;
  if (typeof v.error === 'string') out.error = v.error;
  if (isObject(v.streams)) {
    for (const [name, s] of Object.entries(v.streams)) {
      if (!isObject(s)) continue;
      out.streams[name] = {
        kind: typeof s.kind === 'string' ? s.kind : '',
        state: STATES.includes(s.state as StreamState) ? (s.state as StreamState) : 'idle',
        batches: isCount(s.batches) ? s.batches : 0,
        rows: isCount(s.rows) ? s.rows : 0,
        expected_rows: isCount(s.expected_rows) ? s.expected_rows : null,
        error: typeof s.error === 'string' ? s.error : null,
      };
    }
  }
  return out;
}
