/**
 * Outliers ("spikes") above the bulk of a spectrum. With a limiting law, the bulk edge is the law's upper
 * support edge and a spike is an eigenvalue beyond it by more than the edge's finite-n fluctuation
 * (margin = max(0.005, 3 n^{-2/3}) times the support's width: Tracy-Widom fluctuations are O(n^{-2/3}) of it).
 * Without a law, the edge is estimated by Onatski's edge-distribution estimator (Onatski 2010, Rev. Econ. Stat.
 * 92(4), "Determining the number of factors from empirical distribution of eigenvalues"): the spacing of the
 * largest bulk eigenvalues follows (j-1)^{2/3} near a square-root edge, so a gap wider than twice the fitted slope
 * separates spikes from the bulk.
 */
import { InvalidOptionError } from '../errors';

/** Options of detectSpikes(). */
export interface SpikeOptions {
  /** The bulk's upper edge from a law (kernel units); omitted: Onatski's estimator. */
  edge?: number;
  /** With `edge`: the law's support width, which scales the margin (default |edge|). */
  width?: number;
  /** Most spikes the estimator looks for (default min(20, n/10), at least 1). */
  kmax?: number;
}

/** The spikes found: their values (descending), the bulk edge used and how it was found. */
export interface Spikes {
  count: number;
  values: Float64Array;
  /** Upper edge of the bulk (the law's, or the largest bulk eigenvalue). */
  edge: number;
  method: 'law-edge' | 'onatski';
}

/** Spikes of a spectrum (eigenvalues in any order), against a law's edge or by Onatski's estimator. */
export function detectSpikes(eigenvalues: ArrayLike<number>, opts: SpikeOptions = {}): Spikes {
  const n = eigenvalues.length;
  if (n === 0) throw new InvalidOptionError('detectSpikes: eigenvalues is empty');
  const desc = Float64Array.from(eigenvalues).sort().reverse();
  if (opts.edge !== undefined) {
    if (!Number.isFinite(opts.edge)) throw new InvalidOptionError(`detectSpikes: opts.edge must be finite, got ${opts.edge}`);
    const width = opts.width ?? Math.abs(opts.edge);
    const cut = opts.edge + Math.max(0.005, 3 * n ** (-2 / 3)) * width;
    let count = 0;
    while (count < n && desc[count] > cut) count++;
    return { count, values: desc.slice(0, count), edge: opts.edge, method: 'law-edge' };
  }
  const kmax = Math.max(1, Math.min(opts.kmax ?? Math.min(20, Math.floor(n / 10)), n - 6));
  if (n < 8 || !Number.isInteger(kmax)) return { count: 0, values: new Float64Array(0), edge: desc[0], method: 'onatski' };
  let khat = 0;
  let j = kmax + 1; // 1-based, as in Onatski's paper
  for (let iter = 0; iter < 20; iter++) {
    // OLS slope of lambda_j..lambda_{j+4} on (j-1)^{2/3}..(j+3)^{2/3}.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let t = 0; t < 5 && j - 1 + t < n; t++) {
      xs.push((j - 1 + t) ** (2 / 3));
      ys.push(desc[j - 1 + t]);
    }
    const mx = xs.reduce((s, x) => s + x, 0) / xs.length;
    const my = ys.reduce((s, y) => s + y, 0) / ys.length;
    let sxy = 0, sxx = 0;
    xs.forEach((x, t) => {
      sxy += (x - mx) * (ys[t] - my);
      sxx += (x - mx) * (x - mx);
    });
    const delta = 2 * Math.abs(sxx > 0 ? sxy / sxx : 0);
    let next = 0;
    for (let i = 1; i <= kmax; i++) if (desc[i - 1] - desc[i] >= delta && delta > 0) next = i;
    if (next === khat && iter > 0) break;
    khat = next;
    j = khat + 1;
  }
  return { count: khat, values: desc.slice(0, khat), edge: desc[khat], method: 'onatski' };
}
