/**
 * Large float32 products go to tfjs when a GPU backend (webgl, webgpu, or tfjs-node-gpu on a CUDA
 * device) is the active tfjs backend. tfjs-core is never imported here unless the caller already
 * created a tfjs engine (tfjs keeps it on the global object as `_tfengine`), so linalg adds no tfjs
 * start-up cost and never changes the global backend.
 */
import type { Matrix } from './matrix';

/** Products below this many multiply-adds stay on the CPU (upload/readback would dominate). */
export const GPU_MIN_MULADDS = 2 ** 28;

interface TfEngineLike { backendName?: string; backend?: { isUsingGpuDevice?: boolean } }
interface TfTensorLike { dataSync(): Float32Array; data(): Promise<Float32Array>; dispose(): void }
interface TfLike {
  tidy<T>(fn: () => T): T;
  tensor2d(values: Float32Array, shape: [number, number], dtype: 'float32'): TfTensorLike;
  matMul(a: TfTensorLike, b: TfTensorLike, transposeA: boolean, transposeB: boolean): TfTensorLike;
  mul(a: TfTensorLike, b: number): TfTensorLike;
}

/** The tfjs module when its active backend computes on a GPU, else undefined. */
export function gpuTf(): TfLike | undefined {
  const engine = (globalThis as { _tfengine?: TfEngineLike })._tfengine;
  const name = engine?.backendName;
  if (!engine || !name) return undefined;
  const onGpu = name === 'webgl' || name === 'webgpu' || (name === 'tensorflow' && engine.backend?.isUsingGpuDevice === true);
  if (!onGpu) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs-core') as TfLike;
}

/** alpha * op(A) op(B) on the tfjs GPU backend; returns the product as a tensor (caller reads and disposes). */
export function gpuMatmul(tf: TfLike, a: Matrix<Float32Array>, b: Matrix<Float32Array>, transA: boolean, transB: boolean, alpha: number): TfTensorLike {
  return tf.tidy(() => {
    const p = tf.matMul(tf.tensor2d(a.data, [a.rows, a.cols], 'float32'), tf.tensor2d(b.data, [b.rows, b.cols], 'float32'), transA, transB);
    return alpha === 1 ? p : tf.mul(p, alpha);
  });
}
