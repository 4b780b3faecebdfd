/**
 * display(bundle): rich output from a cell, with display ids for updating it in place. In the ntk-lab
 * kernel it is a display_data message; in plain tslab it goes through tslab's display writer; in Node
 * outside Jupyter it prints the text/plain entry. It never fails for want of a front end.
 */
import { randomUUID } from 'node:crypto';
import { BinaryLike, isBinary, JsonObject, JsonValue, toBuffer } from './json';
import { kernelRuntime } from './runtime';

/** Mime type -> representation; bytes (image/png, ...) are sent base64-encoded, as Jupyter expects. */
export type MimeBundle = { [mime: string]: JsonValue | BinaryLike };

/** Options of display(). */
export interface DisplayOptions {
  /** Per-mime metadata (e.g. { 'image/png': { width: 300 } }). */
  metadata?: JsonObject;
  /** Display id to give this output (default: a fresh one), to update it later from anywhere. */
  displayId?: string;
  /** Replace the output already shown under `displayId` instead of adding one. */
  update?: boolean;
}

/** A shown output that can be replaced in place. */
export interface DisplayHandle {
  readonly displayId: string;
  /** Replaces every output shown under this handle's display id. */
  update(bundle: MimeBundle, metadata?: JsonObject): void;
}

/** Shows `bundle` in the cell's output; returns a handle to update it. */
export function display(bundle: MimeBundle, options: DisplayOptions = {}): DisplayHandle {
  const displayId = options.displayId ?? randomUUID();
  emit(bundle, options.metadata ?? {}, displayId, options.update ?? false);
  return { displayId, update: (b, metadata = {}) => emit(b, metadata, displayId, true) };
}

function emit(bundle: MimeBundle, metadata: JsonObject, displayId: string, update: boolean): void {
  const data: JsonObject = {};
  for (const [mime, v] of Object.entries(bundle)) data[mime] = isBinary(v) ? toBuffer(v).toString('base64') : v;
  const content: JsonObject = { data, metadata, transient: { display_id: displayId } };
  const rt = kernelRuntime();
  if (rt) return rt.display(content, update);
  const tslab = tslabWriter();
  if (tslab) return tslab(content, update);
  const text = data['text/plain'];
  console.log(typeof text === 'string' ? text : `[display: ${Object.keys(data).join(', ')}]`);
}

type TslabWriter = (content: JsonObject, update: boolean) => void;

/** True where display() reaches a front end (the ntk-lab kernel or plain tslab), false where it only prints text. */
export function hasRichDisplay(): boolean {
  return kernelRuntime() !== undefined || tslabWriter() !== undefined;
}

/** tslab's display writer when this process is a tslab kernel: its jupyter module is then in the require cache. */
function tslabWriter(): TslabWriter | undefined {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const writer = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof writer === 'function') return writer as TslabWriter;
  }
  return undefined;
}
