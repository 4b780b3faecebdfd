/**
 * The one matrix product the convolution filter gradient needs, acc += A^T B, on OpenBLAS's sgemm through the linalg
 * addon when it is loaded, else on linalg's TypeScript GEMM. linalg's public matmul() is not used: without the addon,
 * on wasm, it hands float32 products to tfjs ops, and a tfjs op run from inside a kernel would nest in tfjs's engine.
 */
import { active } from '../../linalg/backend';
import { gemmFallback } from '../../linalg/fallback/gemm';

/**
 * acc (m x n, float64, row-major) += A^T B for A (k x m) and B (k x n) float32 row-major; `scratch` holds at least
 * m n floats (the float32 product of this block, summed into acc in double so that blocks do not lose precision).
 */
export function addProductTransA(acc: Float64Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number, scratch: Float32Array): void {
  if (m * n * k === 0) return;
  const c = scratch.subarray(0, m * n);
  const { addon } = active();
  if (addon) addon.gemm(true, false, m, n, k, 1, a, b, c, false);
  else gemmFallback(true, false, m, n, k, 1, a, b, c);
  for (let i = 0; i < m * n; i++) acc[i] += c[i];
}

/** Which GEMM addProductTransA runs now: 'openblas' (the addon) or 'fallback' (TypeScript). */
export function gemmImplementation(): 'openblas' | 'fallback' {
  return active().impl;
}
