/**
 * A Kernel whose values are exact float64 (an infinite-width kernel computed in double precision). The Kernel
 * type stores float32 `values` (what tfjs computes); here they are the float32 rounding of the float64 result,
 * and float64(), get(), trace() and frobenius() read the float64 values themselves, so kernelRidge and
 * gradientDescentMse (which read float64()) solve with the exact kernel.
 */
import { Kernel, type KernelInit, type OutputLayout } from '../../ntk/kernel';

/** A Kernel holding float64 values (float32 `values` are their rounding, kept for the Kernel interface). */
export class LimitKernel extends Kernel {
  private readonly exact: Float64Array;

  constructor(init: Omit<KernelInit, 'values'>, exact: Float64Array) {
    super({ ...init, values: Float32Array.from(exact) });
    this.exact = exact;
  }

  /** The float64 values themselves (not a copy of the float32 ones). */
  override float64(): Float64Array {
    return this.exact;
  }

  override get(i: number, j: number, a = 0): number {
    if (this.shape.length === 3) return this.exact[(i * this.shape[1] + j) * this.shape[2] + a];
    return this.exact[i * this.shape[1] + j];
  }

  override trace(): number {
    const n = Math.min(this.shape[0], this.shape[1]);
    let t = 0;
    for (let i = 0; i < n; i++) {
      if (this.shape.length === 3) for (let a = 0; a < this.shape[2]; a++) t += this.get(i, i, a);
      else t += this.exact[i * this.shape[1] + i];
    }
    return t;
  }

  override frobenius(): number {
    let s = 0;
    for (let i = 0; i < this.exact.length; i++) s += this.exact[i] * this.exact[i];
    return Math.sqrt(s);
  }
}

/**
 * The kernel K ⊗ I_k of k identical, independent outputs in one of the engine's layouts (src/ntk: 'trace' =
 * sum_a K_aa = k K, [n1, n2]; 'full' = every output pair, [n1 k, n2 k], row i k + a, zero between different outputs;
 * 'diagonal' = K_aa, [n1, n2, k]).
 */
export function outputLayout(kernel: Float64Array, n1: number, n2: number, k: number, layout: OutputLayout): { values: Float64Array; shape: number[] } {
  if (layout === 'trace') return { values: k === 1 ? kernel : kernel.map((v) => k * v), shape: [n1, n2] };
  if (layout === 'diagonal') {
    const values = new Float64Array(n1 * n2 * k);
    for (let p = 0; p < n1 * n2; p++) values.fill(kernel[p], p * k, (p + 1) * k);
    return { values, shape: [n1, n2, k] };
  }
  const values = new Float64Array(n1 * k * n2 * k);
  const cols = n2 * k;
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) {
      const v = kernel[i * n2 + j];
      for (let a = 0; a < k; a++) values[(i * k + a) * cols + j * k + a] = v;
    }
  }
  return { values, shape: [n1 * k, n2 * k] };
}
