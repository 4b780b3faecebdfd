/**
 * How a value shows as an execute_result: a mime bundle that always holds text/plain, as IPython's
 * display formatter makes one. An object shows itself richly through any of these methods:
 *
 *   [Symbol.for('Jupyter.display')]()      -> { 'text/html': ..., ... }   (the convention of Deno's kernel)
 *   _repr_mimebundle_(include, exclude)    -> bundle, or [bundle, metadata] (IPython's)
 *   _repr_html_(), _repr_markdown_(), _repr_svg_(), _repr_png_(), _repr_jpeg_(), _repr_latex_(),
 *   _repr_json_(), _repr_javascript_(), _repr_pdf_()   -> one mime type each (IPython's)
 *
 * Earlier ones win for a mime type both give. text/plain, when none gives it, is what util.inspect prints
 * (Node's REPL shows the same); an object's [util.inspect.custom] method shapes it, as ntk-lab's Kernel
 * does. Bytes (a PNG as a Uint8Array) are sent base64-encoded. A method that throws or returns what cannot
 * be sent is reported and skipped: the value still shows, as in IPython.
 */
import { inspect } from 'node:util';
import { isBinary, isJsonObject, JsonObject, JsonValue, MAX_JSON_DEPTH, nestedDeeperThan, toBuffer } from './json';

/** An execute_result's data and metadata. */
export interface Repr {
  data: JsonObject;
  metadata: JsonObject;
}

/** Deno's key for an object's display method (a registered symbol: no import needed to define one). */
export const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

/** IPython's per-mime repr methods, in the order its formatters run. */
const REPR_METHODS: readonly [string, string][] = [
  ['_repr_html_', 'text/html'],
  ['_repr_markdown_', 'text/markdown'],
  ['_repr_svg_', 'image/svg+xml'],
  ['_repr_png_', 'image/png'],
  ['_repr_pdf_', 'application/pdf'],
  ['_repr_jpeg_', 'image/jpeg'],
  ['_repr_latex_', 'text/latex'],
  ['_repr_json_', 'application/json'],
  ['_repr_javascript_', 'application/javascript'],
];

/** text/plain of any value, as Node's REPL prints it (quoted strings, depth 2, 100 array items). */
export function plainText(value: unknown): string {
  try {
    return inspect(value, { depth: 2, maxArrayLength: 100, maxStringLength: 10_000, breakLength: 80 });
  } catch (e) {
    // A custom inspect method or a Proxy can throw.
    return `[value that cannot be shown: ${describe(e)}]`;
  }
}

/** The bundle of `value`; `report` hears about each repr method that failed. */
export function reprOf(value: unknown, report: (problem: string) => void = () => undefined): Repr {
  const data: JsonObject = {};
  const metadata: JsonObject = {};
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    const obj = value as Record<string | symbol, unknown>;
    const add = (bundle: unknown, md: unknown, from: string): void => {
      if (!isJsonObject(bundle)) {
        if (bundle !== undefined && bundle !== null) report(`${from} returned ${plainText(bundle)}, not a mime bundle`);
        return;
      }
      for (const [mime, v] of Object.entries(bundle)) if (!(mime in data)) put(data, mime, v, from, report);
      if (isJsonObject(md) && sendable(md)) for (const [mime, m] of Object.entries(md)) if (!(mime in metadata)) metadata[mime] = m;
    };
    call(obj, JUPYTER_DISPLAY, [], report, (r) => add(r, undefined, '[Symbol.for("Jupyter.display")]()'));
    call(obj, '_repr_mimebundle_', [], report, (r) => {
      if (Array.isArray(r) && r.length === 2) add(r[0], r[1], '_repr_mimebundle_()');
      else add(r, undefined, '_repr_mimebundle_()');
    });
    for (const [method, mime] of REPR_METHODS) {
      if (mime in data) continue;
      call(obj, method, [], report, (r) => {
        if (r !== undefined && r !== null) put(data, mime, r, `${method}()`, report);
      });
    }
  }
  if (typeof data['text/plain'] !== 'string') data['text/plain'] = plainText(value);
  return { data, metadata };
}

/** Calls `obj[key](...args)` if it is a method, handing its result to `use`; failures are reported. */
function call(obj: Record<string | symbol, unknown>, key: string | symbol, args: unknown[], report: (p: string) => void, use: (r: unknown) => void): void {
  let fn: unknown;
  try {
    fn = obj[key];
  } catch (e) {
    report(`reading ${String(key)} failed: ${describe(e)}`);
    return;
  }
  if (typeof fn !== 'function') return;
  try {
    const r: unknown = fn.apply(obj, args);
    if (r instanceof Promise) {
      r.catch(() => undefined);
      report(`${String(key)}() returned a promise: repr methods must return their result`);
      return;
    }
    use(r);
  } catch (e) {
    report(`${String(key)}() failed: ${describe(e)}`);
  }
}

/** Sets data[mime] to `v` when it can be sent: text, bytes (base64) or JSON. */
function put(data: JsonObject, mime: string, v: unknown, from: string, report: (p: string) => void): void {
  if (typeof v === 'string') data[mime] = v;
  else if (isBinary(v)) data[mime] = toBuffer(v).toString('base64');
  else if (sendable(v)) data[mime] = v as JsonValue;
  else report(`${from}: the ${mime} value cannot be sent as JSON`);
}

/** True when `v` survives JSON (no BigInt, no cycle, not nested too deep for a front end). */
function sendable(v: unknown): boolean {
  try {
    // First: it throws on a cycle, which the depth walk would follow to its limit.
    if (JSON.stringify(v) === undefined) return false;
  } catch {
    return false;
  }
  return !nestedDeeperThan(v, MAX_JSON_DEPTH);
}

function describe(e: unknown): string {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'an error that cannot be described';
  }
}
