/**
 * The one matrix product the convolution filter gradient needs, acc += A^T B: on OpenBLAS's sgemm through the linalg
 * addon when it is loaded; without it, on tfjs-backend-wasm's own BatchMatMul (XNNPACK, SIMD; the filter gradient of
 * [32, 28, 28, 32] by 3x3x32x32 at 11 GFLOP/s against 3.8 in TypeScript, 40-70 on OpenBLAS) from
 * GEMM_LIMITS.wasmMinMuladds multiply-adds on, else on linalg's TypeScript GEMM. linalg's public matmul() is not
 * called: without the addon it hands float32 products to tfjs ops, and a tfjs op run inside a kernel would nest in
 * tfjs's engine; wasm's kernel function is called directly instead, as wasm's own kernels call each other.
 */
import { BatchMatMul, getKernel } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { active } from '../../linalg/backend';
import { gemmFallback, transposeCopy } from '../../linalg/fallback/gemm';
import type { WasmHost } from './host';

/** Without the addon: products of at least this many multiply-adds go to wasm's BatchMatMul (below, a heap round trip costs more). */
export const GEMM_LIMITS = { wasmMinMuladds: 2 ** 18 };

/** Which route a product of m n k multiply-adds takes now. */
export function gemmRoute(m: number, n: number, k: number): 'openblas' | 'wasm' | 'typescript' {
  if (active().addon) return 'openblas';
  return m * n * k >= GEMM_LIMITS.wasmMinMuladds && getKernel(BatchMatMul, 'wasm') ? 'wasm' : 'typescript';
}

/**
 * (A^T B)^T = B^T A (n x m) for A (k x m), B (k x n) on wasm's BatchMatMul, through heap copies freed before returning.
 * Operands are passed untransposed: XNNPACK's transposed-operand path ran at 3.4 GFLOP/s against 40 for the plain one
 * (288 x 3640 x 32 here); B^T (n k values, n = output channels) is the cheap one to copy.
 */
function wasmProductTransA(host: WasmHost, a: Float32Array, b: Float32Array, m: number, n: number, k: number): Float32Array {
  const kernel = getKernel(BatchMatMul, 'wasm')!;
  const made: TensorInfo[] = [];
  try {
    made.push(host.makeOutput([1, n, k], 'float32', undefined, transposeCopy(b, k, n)));
    made.push(host.makeOutput([1, k, m], 'float32', undefined, a));
    const out = kernel.kernelFunc({ inputs: { a: made[0], b: made[1] }, backend: host, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
    made.push(out);
    return host.readSync(out.dataId) as Float32Array;
  } finally {
    for (const t of made) host.disposeData(t.dataId);
  }
}

/**
 * acc (m x n, float64, row-major) += A^T B for A (k x m) and B (k x n) float32 row-major; `scratch` holds at least
 * m n floats (the float32 product of this block, summed into acc in double so that blocks do not lose precision).
 */
export function addProductTransA(host: WasmHost, acc: Float64Array, a: Float32Array, b: Float32Array, m: number, n: number, k: number, scratch: Float32Array): void {
  if (m * n * k === 0) return;
  const route = gemmRoute(m, n, k);
  if (route === 'wasm') {
    const ct = wasmProductTransA(host, a, b, m, n, k);
    for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) acc[i * n + j] += ct[j * m + i];
    return;
  }
  const c = scratch.subarray(0, m * n);
  if (route === 'openblas') active().addon!.gemm(true, false, m, n, k, 1, a, b, c, false);
  else gemmFallback(true, false, m, n, k, 1, a, b, c);
  for (let i = 0; i < m * n; i++) acc[i] += c[i];
}
