/**
 * Activations applied in bulk to a float32 pre-activation matrix, fused with the bias add and the derivative:
 * z <- phi(z + bm b), slope <- phi'(z + bm b). One tight loop per activation, because a generic loop calling
 * phi and phi' through an object costs ~15 ns per element, more than the matrix product before it.
 */
import { ActivationName, activation } from './activations';

/** In place on z (rows x cols, row-major): adds bm * b (per column) when b is given, writes phi' to slope, phi to z. */
export function applyActivation(name: ActivationName, z: Float32Array, slope: Float32Array, cols: number, b: Float32Array | null, bm: number): void {
  const size = z.length;
  if (b) {
    for (let row = 0; row < size; row += cols) for (let j = 0; j < cols; j++) z[row + j] += bm * b[j];
  }
  switch (name) {
    case 'linear':
      slope.fill(1, 0, size);
      return;
    case 'relu':
      for (let p = 0; p < size; p++) {
        const v = z[p];
        const on = v > 0;
        slope[p] = on ? 1 : 0;
        // NaN stays NaN (as tfjs' relu): an overflow upstream (Inf - Inf in a GEMM) must reach the finiteness check.
        z[p] = on || v !== v ? v : 0;
      }
      return;
    case 'tanh':
      for (let p = 0; p < size; p++) {
        const t = Math.tanh(z[p]);
        slope[p] = 1 - t * t;
        z[p] = t;
      }
      return;
    case 'sigmoid':
      for (let p = 0; p < size; p++) {
        const v = z[p];
        const e = Math.exp(-Math.abs(v));
        const s = v >= 0 ? 1 / (1 + e) : e / (1 + e);
        slope[p] = s * (1 - s);
        z[p] = s;
      }
      return;
    default: {
      const act = activation(name);
      for (let p = 0; p < size; p++) {
        const v = z[p];
        slope[p] = act.df(v);
        z[p] = act.f(v);
      }
    }
  }
}
