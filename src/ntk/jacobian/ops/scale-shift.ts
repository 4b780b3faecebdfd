/**
 * The per-example gradients of a per-channel scale gamma and shift beta after a normalisation, shared by batch
 * and layer normalisation: y = gamma xhat + beta, so per (example, output) row d gamma = sum_p xhat(p) d(p) and
 * d beta = sum_p d(p), as 'rows' factors of C values, or summed over rows for vector products.
 */
import { active } from '../../../linalg/backend';
import { Factor } from '../factors';
import { BackwardArgs, BackwardResult } from './types';

/** A normalisation's epsilon and its per-channel scale and shift, as batch and layer normalisation take them. */
export interface ScaleShiftSpec {
  epsilon: number;
  /** gamma (null: scale off) and beta (null: center off). */
  gamma: Float32Array | null;
  beta: Float32Array | null;
  /** Labels of the trainable gamma and beta (null when absent or frozen). */
  labels: { gamma: string | null; beta: string | null };
}

/** xhat [n P, C] as stored, or as (x - mean[c]) inv[c] from x and per-channel statistics (inference batch norm). */
export type Normalised = { xhat: Float32Array } | { x: Float32Array; mean: Float32Array; inv: Float32Array };

/**
 * Fills gG / gB ([n stack, C], zeroed; null when that parameter is absent) from dOut [n stack, P, C] and returns
 * them as out.factors (params 'factors') or out.sums (params 'sum'), in (gamma, beta) order.
 */
export function scaleShiftGradients(
  args: Pick<BackwardArgs, 'n' | 'stack' | 'dOut' | 'params'>,
  input: Normalised,
  P: number,
  C: number,
  gG: Float32Array | null,
  gB: Float32Array | null,
): Pick<BackwardResult, 'factors' | 'sums'> {
  const { n, stack, dOut } = args;
  const rows = n * stack;
  const x = 'xhat' in input ? input.xhat : input.x;
  const mean = 'mean' in input ? input.mean : null;
  const inv = 'inv' in input ? input.inv : null;
  const { addon } = active();
  // In C when the addon is loaded (the same double arithmetic, in this loop's order).
  if (addon) addon.scaleShiftRows(dOut, x, mean, inv, n, stack, P, C, gG, gB);
  else for (let row = 0; row < rows; row++) {
    const i = Math.floor(row / stack);
    const o = row * C;
    for (let p = 0; p < P; p++) {
      const d0 = (row * P + p) * C;
      const h0 = (i * P + p) * C;
      for (let c = 0; c < C; c++) {
        const d = dOut[d0 + c];
        if (gG) gG[o + c] += (mean ? (x[h0 + c] - mean[c]) * inv![c] : x[h0 + c]) * d;
        if (gB) gB[o + c] += d;
      }
    }
  }
  const grads = [gG, gB].filter((g): g is Float32Array => g !== null);
  if (args.params === 'factors') return { factors: grads.map((g): Factor => ({ kind: 'rows', n, k: stack, g, cols: C })) };
  return {
    sums: grads.map((g) => {
      const s = new Float32Array(C);
      for (let row = 0; row < rows; row++) for (let c = 0; c < C; c++) s[c] += g[row * C + c];
      return s;
    }),
  };
}
