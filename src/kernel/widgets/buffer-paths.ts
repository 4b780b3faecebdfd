/**
 * Binary values inside widget state travel as raw buffers plus their paths in the state (protocol 2):
 * an object key holding bytes is removed from the JSON, an array slot holding bytes becomes null.
 */
import { BinaryLike, isBinary, JsonObject, JsonPrimitive, JsonValue } from '../json';

/** A value of widget state: JSON, or bytes anywhere inside it. */
export type StateValue = JsonPrimitive | BinaryLike | StateValue[] | { [key: string]: StateValue };
/** Widget state: key -> value. */
export type WidgetState = { [key: string]: StateValue };
/** Where a buffer sits: keys and array indices from the top of the state. */
export type BufferPath = (string | number)[];

/** State split for the wire. */
export interface SplitState {
  state: JsonObject;
  bufferPaths: BufferPath[];
  buffers: BinaryLike[];
}

/** Takes the bytes out of `state` (which is not changed): JSON state, the buffers' paths, the buffers. */
export function removeBuffers(state: WidgetState): SplitState {
  const bufferPaths: BufferPath[] = [];
  const buffers: BinaryLike[] = [];
  const walk = (v: StateValue, path: BufferPath): JsonValue | undefined => {
    if (isBinary(v)) {
      bufferPaths.push(path);
      buffers.push(v);
      return undefined;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]) ?? null);
    if (v !== null && typeof v === 'object') {
      const o: JsonObject = {};
      for (const [k, x] of Object.entries(v)) {
        const j = walk(x, [...path, k]);
        if (j !== undefined) o[k] = j;
      }
      return o;
    }
    return v;
  };
  return { state: walk(state, []) as JsonObject, bufferPaths, buffers };
}

/** Puts `buffers` into `state` at `paths` (mutates and returns it); throws naming a path that does not fit. */
export function putBuffers(state: JsonObject, paths: unknown, buffers: readonly Uint8Array[]): WidgetState {
  if (paths === undefined || paths === null) paths = [];
  if (!Array.isArray(paths)) throw new Error('buffer_paths is not a list');
  if (paths.length !== buffers.length) throw new Error(`${paths.length} buffer_paths for ${buffers.length} buffers`);
  const out = state as WidgetState;
  paths.forEach((path: unknown, i) => {
    if (!Array.isArray(path) || path.length === 0 || !path.every((p) => typeof p === 'string' || typeof p === 'number')) {
      throw new Error(`buffer path ${JSON.stringify(path)} is not a non-empty list of keys and indices`);
    }
    let at: StateValue = out;
    for (const key of path.slice(0, -1)) {
      const next: StateValue | undefined = containerChild(at, key);
      if (next === undefined || next === null || typeof next !== 'object' || isBinary(next)) throw new Error(`buffer path ${JSON.stringify(path)} leaves the state at '${key}'`);
      at = next;
    }
    const last = path[path.length - 1] as string | number;
    if (at === null || typeof at !== 'object' || isBinary(at)) throw new Error(`buffer path ${JSON.stringify(path)} does not end in an object or list`);
    (at as Record<string | number, StateValue>)[last] = buffers[i];
  });
  return out;
}

function containerChild(v: StateValue, key: string | number): StateValue | undefined {
  if (v === null || typeof v !== 'object' || isBinary(v)) return undefined;
  return (v as Record<string | number, StateValue>)[key];
}
