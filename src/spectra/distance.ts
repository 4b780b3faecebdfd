/**
 * Distances between an empirical spectrum and a law (a LawDensity of ../theory): Kolmogorov-Smirnov,
 * sup_x |F_n(x) - F(x)|, and Wasserstein-1, integral |F_n(x) - F(x)| dx (in the eigenvalues' units).
 * F is the law's CDF (continuous part interpolated on its grid, plus atoms); eigenvalues within `atomTolerance`
 * of an atom count as sitting on it (a numerically zero eigenvalue is -1e-13, not 0).
 */
import { InvalidOptionError } from '../errors';
import type { LawDensity } from '../theory/density';

/** Options of ksDistance() and wasserstein1(). */
export interface DistanceOptions {
  /** Eigenvalues this close to an atom are moved onto it (default 1e-9 of the law's support width, or of max|x|). */
  atomTolerance?: number;
}

function prepared(fn: string, eigenvalues: ArrayLike<number>, law: LawDensity, opts: DistanceOptions): Float64Array {
  if (eigenvalues.length === 0) throw new InvalidOptionError(`${fn}: eigenvalues is empty`);
  const e = Float64Array.from(eigenvalues);
  for (let i = 0; i < e.length; i++) if (!Number.isFinite(e[i])) throw new InvalidOptionError(`${fn}: eigenvalues[${i}] is ${e[i]}`);
  const lo = law.support.length ? law.support[0][0] : 0;
  const hi = law.support.length ? law.support[law.support.length - 1][1] : 0;
  let scale = hi - lo;
  for (const a of law.atoms) scale = Math.max(scale, Math.abs(a.at));
  const tol = opts.atomTolerance ?? 1e-9 * Math.max(scale, 1e-300);
  if (law.atoms.length) {
    for (let i = 0; i < e.length; i++) for (const a of law.atoms) if (Math.abs(e[i] - a.at) <= tol) e[i] = a.at;
  }
  return e.sort();
}

/** Kolmogorov-Smirnov distance between the ESD of `eigenvalues` and the law: in [0, 1]. */
export function ksDistance(eigenvalues: ArrayLike<number>, law: LawDensity, opts: DistanceOptions = {}): number {
  const e = prepared('ksDistance', eigenvalues, law, opts);
  const n = e.length;
  let d = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && e[j + 1] === e[i]) j++;
    // F_n jumps from i/n to (j+1)/n at e[i]; compare both sides with F.
    d = Math.max(d, Math.abs(law.cdf(e[i]) - (j + 1) / n), Math.abs(law.cdfBefore(e[i]) - i / n));
    i = j + 1;
  }
  return d;
}

/** Wasserstein-1 distance (integral of |F_n - F|) between the ESD of `eigenvalues` and the law, in the eigenvalues' units. */
export function wasserstein1(eigenvalues: ArrayLike<number>, law: LawDensity, opts: DistanceOptions = {}): number {
  const e = prepared('wasserstein1', eigenvalues, law, opts);
  const n = e.length;
  // Breakpoints of both CDFs: F_n is constant and F linear between consecutive ones.
  const points = new Set<number>(e);
  law.x.forEach((x) => points.add(x));
  law.support.forEach(([a, b]) => { points.add(a); points.add(b); });
  law.atoms.forEach((a) => points.add(a.at));
  const xs = Float64Array.from(points).sort();
  let total = 0;
  let k = 0; // eigenvalues <= current breakpoint
  for (let t = 0; t + 1 < xs.length; t++) {
    const a = xs[t], b = xs[t + 1];
    while (k < n && e[k] <= a) k++;
    const fn = k / n;
    const fa = law.cdf(a) - fn;
    const fb = law.cdfBefore(b) - fn;
    // integral over [a, b] of |linear from fa to fb|
    if ((fa >= 0) === (fb >= 0)) total += 0.5 * (Math.abs(fa) + Math.abs(fb)) * (b - a);
    else total += (0.5 * (fa * fa + fb * fb) / (Math.abs(fa) + Math.abs(fb))) * (b - a);
  }
  return total;
}
