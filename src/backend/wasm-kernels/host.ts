/**
 * The host side of tfjs-backend-wasm as ntk-lab's kernels use it: read an input tensor's values into JavaScript and
 * make an output tensor from JavaScript values, the way the wasm backend's own JS-implemented kernels do. Values are
 * copied both ways (readSync slices the heap; makeOutput writes into a fresh allocation): a view into the wasm heap
 * is detached whenever the heap grows, and the copies cost O(size) against the kernels' O(size x window) work.
 */
import type { DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendUnavailableError, MemoryBudgetError, ShapeError } from '../../errors';

/** What ntk-lab needs of tfjs-backend-wasm's BackendWasm (its public methods; no heap pointers). */
export interface WasmHost {
  readSync(dataId: DataId): Float32Array | Int32Array | Uint8Array;
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: Float32Array | Int32Array): TensorInfo;
  disposeData(dataId: DataId): boolean;
}

/**
 * The wasm heap is 32-bit addressed (at most 4 GiB, shared by every tensor): a result above this is refused before
 * anything is computed, rather than failing in the middle as a wasm abort.
 */
export const MAX_OUTPUT_BYTES = 2 ** 31;

/** The kernel's `backend` argument as a WasmHost; BackendUnavailableError if the kernel was called with another backend. */
export function wasmHost(kernel: string, backend: unknown): WasmHost {
  const b = backend as Partial<WasmHost> | null;
  if (!b || typeof b.readSync !== 'function' || typeof b.makeOutput !== 'function' || typeof b.disposeData !== 'function') {
    throw new BackendUnavailableError(`${kernel}: ntk-lab's kernel runs on tfjs-backend-wasm only (the backend given has no readSync/makeOutput/disposeData)`);
  }
  return b as WasmHost;
}

/** The float32 values of `t` (a copy), after checking its dtype and rank. */
export function readFloat32(kernel: string, name: string, host: WasmHost, t: TensorInfo, rank?: number): Float32Array {
  if (t.dtype !== 'float32') throw new ShapeError(`${kernel}: ${name} must be float32, got ${t.dtype}`);
  if (rank !== undefined && t.shape.length !== rank) throw new ShapeError(`${kernel}: ${name} must be rank ${rank}, got shape [${t.shape}]`);
  return host.readSync(t.dataId) as Float32Array;
}

/** A new wasm tensor of `shape` holding `values` (float32 or int32, of the shape's size). */
export function output(host: WasmHost, shape: number[], values: Float32Array | Int32Array): TensorInfo {
  return host.makeOutput(shape, values instanceof Int32Array ? 'int32' : 'float32', undefined, values);
}

/** Refuses (MemoryBudgetError) a result of `shape` (4-byte elements) that the wasm heap cannot hold. */
export function checkOutputSize(kernel: string, shape: readonly number[]): void {
  const bytes = shape.reduce((a, b) => a * b, 4);
  if (bytes > MAX_OUTPUT_BYTES) {
    throw new MemoryBudgetError(
      `${kernel}: the result [${shape}] needs ${(bytes / 2 ** 30).toFixed(2)} GiB, over the ${MAX_OUTPUT_BYTES / 2 ** 30} GiB a tfjs-backend-wasm tensor can take; use smaller batches`,
      bytes,
      MAX_OUTPUT_BYTES,
    );
  }
}

/** Throws ShapeError unless `got` equals `want` (names the kernel, the argument and both shapes). */
export function expectShape(kernel: string, name: string, got: readonly number[], want: readonly number[]): void {
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${kernel}: ${name} must have shape [${want}] for this convolution, got [${got}]`);
  }
}
