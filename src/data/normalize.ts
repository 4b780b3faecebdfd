/** Scaling of feature columns. */
import { InvalidOptionError } from '../errors';

/**
 * How feature columns are scaled, x' = (x - shift) * scale per column:
 * 'none'; 'minmax' (each column to [0, 1]; a constant column to 0); 'standardize' (each column to mean 0 and
 * population standard deviation 1; a constant column to 0); or one `{ shift, scale }` for every column
 * (e.g. `{ shift: 0, scale: 1 / 255 }` for 8-bit pixels).
 */
export type Normalization = 'none' | 'minmax' | 'standardize' | { shift?: number; scale: number };

/** Scales the n x d row-major `x` in place; returns the per-column shift and scale (undefined for 'none'). */
export function normalizeColumns(x: Float64Array, n: number, d: number, how: Normalization): { shift: Float64Array; scale: Float64Array } | undefined {
  if (how === 'none') return undefined;
  const shift = new Float64Array(d);
  const scale = new Float64Array(d).fill(1);
  if (typeof how === 'object' && how !== null) {
    if (!Number.isFinite(how.scale) || !Number.isFinite(how.shift ?? 0)) throw new InvalidOptionError(`normalize: shift and scale must be finite numbers, got ${JSON.stringify(how)}`);
    shift.fill(how.shift ?? 0);
    scale.fill(how.scale);
  } else if (how === 'minmax' || how === 'standardize') {
    for (let j = 0; j < d; j++) {
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i * d + j];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        sum += v;
      }
      if (how === 'minmax') {
        shift[j] = lo;
        scale[j] = hi > lo ? 1 / (hi - lo) : 0;
      } else {
        const mean = sum / n;
        let ss = 0;
        for (let i = 0; i < n; i++) ss += (x[i * d + j] - mean) ** 2;
        const sd = Math.sqrt(ss / n);
        shift[j] = mean;
        scale[j] = sd > 0 ? 1 / sd : 0;
      }
    }
  } else {
    throw new InvalidOptionError(`normalize: expected 'none', 'minmax', 'standardize' or { shift, scale }, got ${JSON.stringify(how)}`);
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = (x[i * d + j] - shift[j]) * scale[j];
  return { shift, scale };
}
