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
