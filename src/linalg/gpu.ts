/**
 * Products handed to tfjs when its active backend is faster than where they would otherwise run:
 * - a GPU backend (webgl, webgpu, or tfjs-node-gpu on a CUDA device): large float32 products, sync or async;
 * - the wasm backend, only while linalg runs on its TypeScript fallback (no addon): wasm's SIMD GEMM is
 *   ~10-20x faster than plain TypeScript; sync calls only, since wasm runs on the calling thread and an
 *   *Async call must not block the event loop (those go to the fallback's worker thread instead).
 * tfjs-core is never imported here unless the caller already created a tfjs engine (tfjs keeps it on the
 * global object as `_tfengine`), so linalg adds no tfjs start-up cost and never changes the global backend.
 */
import type { Implementation } from './backend';
import type { Matrix } from './matrix';

/** GPU: products below this many multiply-adds stay on the CPU (upload/readback would dominate). */
export const GPU_MIN_MULADDS = 2 ** 28;
/** wasm (fallback only): below this the TypeScript loop is as fast as a tfjs round trip. */
export const WASM_MIN_MULADDS = 2 ** 18;

interface TfEngineLike { backendName?: string; backend?: { isUsingGpuDevice?: boolean } }
export interface TfTensorLike { dataSync(): Float32Array; data(): Promise<Float32Array>; dispose(): void }
export interface TfLike {
  tidy<T>(fn: () => T): T;
  tensor2d(values: Float32Array, shape: [number, number], dtype: 'float32'): TfTensorLike;
  matMul(a: TfTensorLike, b: TfTensorLike, transposeA: boolean, transposeB: boolean): TfTensorLike;
  mul(a: TfTensorLike, b: number): TfTensorLike;
}

function tfjs(): TfLike {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs-core') as TfLike;
}

/** Whether tfjs's active backend computes on a GPU (webgl, webgpu, or tfjs-node-gpu on a CUDA device). */
export function onGpuBackend(): boolean {
  const engine = (globalThis as { _tfengine?: TfEngineLike })._tfengine;
  const name = engine?.backendName;
  return name === 'webgl' || name === 'webgpu' || (name === 'tensorflow' && engine?.backend?.isUsingGpuDevice === true);
}

/**
 * The tfjs module if a float32 product of `muladds` multiply-adds should run on tfjs's active backend,
 * else undefined. `sync` is true for the synchronous entry points.
 */
export function tfFor(muladds: number, impl: Implementation, sync: boolean): TfLike | undefined {
  const engine = (globalThis as { _tfengine?: TfEngineLike })._tfengine;
  const name = engine?.backendName;
  if (!engine || !name) return undefined;
  if (onGpuBackend()) return muladds >= GPU_MIN_MULADDS ? tfjs() : undefined;
  if (name === 'wasm' && impl === 'fallback' && sync && muladds >= WASM_MIN_MULADDS) return tfjs();
  return undefined;
}

/** alpha * op(A) op(B) on tfjs's active backend; returns the product as a tensor (caller reads and disposes). */
export function tfMatmul(tf: TfLike, a: Matrix<Float32Array>, b: Matrix<Float32Array>, transA: boolean, transB: boolean, alpha: number): TfTensorLike {
  return tf.tidy(() => {
    const p = tf.matMul(tf.tensor2d(a.data, [a.rows, a.cols], 'float32'), tf.tensor2d(b.data, [b.rows, b.cols], 'float32'), transA, transB);
    return alpha === 1 ? p : tf.mul(p, alpha);
  });
}
