/** JSON values as they travel in Jupyter messages, and the binary values that travel beside them. */

/** A JSON scalar. */
export type JsonPrimitive = string | number | boolean | null;
/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object: message content, comm data, metadata. */
export type JsonObject = { [key: string]: JsonValue };

/** Bytes handed to a comm or a widget: sent as a raw frame without a copy, so do not change them after sending. */
export type BinaryLike = ArrayBuffer | ArrayBufferView;

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for bytes (ArrayBuffer, typed array, DataView, Buffer). */
export function isBinary(v: unknown): v is BinaryLike {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/** The bytes of `b` as a Buffer that shares its memory (no copy). */
export function toBuffer(b: BinaryLike): Buffer {
  if (Buffer.isBuffer(b)) return b;
  if (ArrayBuffer.isView(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return Buffer.from(b);
}

/**
 * How deep the JSON the kernel takes in or sends out may nest. Python front ends cannot decode much deeper
 * values (their json stops near 1000 levels), ipykernel drops such messages as invalid, and JSON.stringify
 * overflows the stack near 5000.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * True when `v` nests arrays and objects deeper than `limit` levels. Walks with an explicit stack, so a
 * value nested too deep for a recursive walk (JSON.stringify overflows the call stack near depth 5000)
 * is measured without one.
 */
export function nestedDeeperThan(v: unknown, limit: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  // Containers only (a long array of numbers costs no stack entries), each with its own depth (>= 1).
  const stack: [object, number][] = [[v, 1]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop() as [object, number];
    if (depth > limit) return true;
    for (const child of Array.isArray(x) ? x : Object.values(x)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** True for a JSON scalar: string, number, boolean or null. */
export function isJsonPrimitive(v: unknown): v is JsonPrimitive {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
