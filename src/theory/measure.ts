/**
 * Discrete probability measures: the empirical spectra (of a data Gram matrix, of an expected kernel) that
 * the laws take as inputs. Equal atoms are merged, so a rank-deficient Gram's zeros cost one term, not n.
 */
import { InvalidOptionError, NonFiniteError } from '../errors';

/** Atoms values[i] with masses weights[i] (sum 1), values ascending and distinct. */
export interface DiscreteMeasure {
  values: Float64Array;
  weights: Float64Array;
}

/**
 * The measure with atoms `values` (any order) and masses `weights` (default 1/n each, normalised to sum 1);
 * atoms closer than 1e-14 of the largest |value| are merged.
 */
export function discreteMeasure(values: ArrayLike<number>, weights?: ArrayLike<number>, name = 'values'): DiscreteMeasure {
  const n = values.length;
  if (n === 0) throw new InvalidOptionError(`${name} must hold at least one value`);
  if (weights !== undefined && weights.length !== n) {
    throw new InvalidOptionError(`${name}: weights has length ${weights.length}, values has length ${n}`);
  }
  let scale = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new NonFiniteError(`${name}[${i}] is ${v}`);
    scale = Math.max(scale, Math.abs(v));
    const w = weights === undefined ? 1 : weights[i];
    if (!(Number.isFinite(w) && w >= 0)) throw new InvalidOptionError(`${name}: weights[${i}] must be finite and >= 0, got ${w}`);
    total += w;
  }
  if (!(total > 0)) throw new InvalidOptionError(`${name}: the weights sum to 0`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const tol = 1e-14 * scale;
  const v: number[] = [];
  const w: number[] = [];
  for (const i of order) {
    const wi = (weights === undefined ? 1 : weights[i]) / total;
    if (v.length > 0 && values[i] - v[v.length - 1] <= tol) w[w.length - 1] += wi;
    else {
      v.push(values[i]);
      w.push(wi);
    }
  }
  return { values: Float64Array.from(v), weights: Float64Array.from(w) };
}

/** The point mass at x. */
export function pointMass(x: number): DiscreteMeasure {
  return discreteMeasure([x]);
}
