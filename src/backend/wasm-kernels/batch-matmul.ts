/**
 * BatchMatMul for tfjs-backend-wasm on OpenBLAS (the linalg addon's gemmBatched: one call for the whole batch) while
 * the addon is loaded. wasm 4.22's own kernel ran the batched products of small matrices that per-row parameters
 * make ([197, 16, 32] x [197, 32, 32] in the attention example's batched NTK route) at 2-3 GFLOP/s: 44 of that NTK's
 * ~54 ms. Float32 operands whose batch dimensions are equal or one of them absent/1 (what tfjs-core's matMul passes);
 * anything else (int32, other broadcasts, no addon, the fallback linalg route) runs the wasm kernel this replaces.
 */
import { BatchMatMul } from '@tensorflow/tfjs-core';
import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { active } from '../../linalg/backend';
import { checkOutputSize, output, wasmHost } from './host';

const NAME = BatchMatMul;

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The batch dimensions of the output when one side's are the other's or absent/all 1 (else null: not ours). */
function batchShape(outerA: readonly number[], outerB: readonly number[]): number[] | null {
  const same = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (same) return [...outerA];
  if (size(outerA) === 1 && outerA.length <= outerB.length) return [...outerB];
  if (size(outerB) === 1 && outerB.length <= outerA.length) return [...outerA];
  return null;
}

/** The kernel function: OpenBLAS when it applies, else `fallback` (the wasm backend's own BatchMatMul). */
export function batchMatMulOnBlas(fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const { addon, impl } = active();
    if (!addon || impl !== 'openblas' || typeof addon.gemmBatched !== 'function') return fallback(args);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return fallback(args);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const [m, kA] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
    const [kB, n] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
    const outer = batchShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    // A mismatch or a broadcast this kernel does not do: the wasm kernel gives its own error or answer.
    if (kA !== kB || !outer) return fallback(args);
    const host = wasmHost(NAME, backend);
    const shape = [...outer, m, n];
    checkOutputSize(NAME, shape);
    const batch = size(outer);
    const out = new Float32Array(size(shape));
    const av = host.readSync(a.dataId) as Float32Array;
    const bv = host.readSync(b.dataId) as Float32Array;
    const strideA = size(a.shape) === m * kA ? 0 : m * kA;
    const strideB = size(b.shape) === kB * n ? 0 : kB * n;
    addon.gemmBatched(transposeA, transposeB, batch, m, n, kA, 1, av, strideA, bv, strideB, out);
    return output(host, shape, out);
  };
}

/** The wasm backend's BatchMatMul config with its kernel function wrapped (setup and dispose kept: they bind wasm's own). */
export function batchMatMulConfig(original: KernelConfig): KernelConfig {
  return { ...original, kernelFunc: batchMatMulOnBlas(original.kernelFunc) };
}
