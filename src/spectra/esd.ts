/**
 * The empirical spectral distribution (ESD) as densities: a histogram and a Gaussian kernel density estimate.
 * Both are normalised by the total count n (spikes included), so over the bulk they integrate to the bulk's
 * fraction (n - spikes) / n and sit on the same scale as a law's density.
 *
 * Bin rule: Freedman-Diaconis on the bulk, width h = 2 IQR n^{-1/3} (Freedman & Diaconis 1981), bins spanning
 * [min, max] of the bulk, their number clamped to 10..1000; when the IQR is 0, Sturges' ceil(log2 n) + 1 bins.
 * The bulk excludes the top `exclude` eigenvalues (the spikes): one spike at 100x the bulk would otherwise
 * stretch the range and leave the bulk in a handful of bins.
 * KDE bandwidth: Silverman's rule h = 0.9 min(sd, IQR / 1.34) n^{-1/5} (Silverman 1986, eq. (3.31)); it smooths the
 * hard edges of a spectrum by ~h, which the histogram does not.
 */
import { InvalidOptionError } from '../errors';

/** Options of histogram() and kde(). */
export interface EsdOptions {
  /** Number of top eigenvalues (spikes) to leave out of the bulk (default 0). */
  exclude?: number;
  /** histogram: a fixed number of bins instead of the Freedman-Diaconis rule. */
  bins?: number;
  /** kde: number of grid points (default 512). */
  points?: number;
  /** kde: a bandwidth instead of Silverman's. */
  bandwidth?: number;
}

/** A histogram: counts per bin and the density count / (n * width). */
export interface Histogram {
  /** Bin edges (bins + 1, ascending). */
  edges: Float64Array;
  /** Bin centres. */
  x: Float64Array;
  counts: Int32Array;
  /** counts / (n * binWidth): per unit of eigenvalue, normalised by all n eigenvalues. */
  density: Float64Array;
  binWidth: number;
  rule: 'freedman-diaconis' | 'sturges' | 'fixed';
  /** Eigenvalues left out of the bulk. */
  excluded: number;
}

/** A kernel density estimate on a grid. */
export interface Kde {
  x: Float64Array;
  density: Float64Array;
  bandwidth: number;
  rule: 'silverman' | 'fixed';
  excluded: number;
}

function bulkOf(fn: string, eigenvalues: ArrayLike<number>, exclude: number): Float64Array {
  const n = eigenvalues.length;
  if (n === 0) throw new InvalidOptionError(`${fn}: eigenvalues is empty`);
  if (!Number.isInteger(exclude) || exclude < 0 || exclude >= n) throw new InvalidOptionError(`${fn}: opts.exclude must be an integer in 0..${n - 1}, got ${exclude}`);
  const sorted = Float64Array.from(eigenvalues).sort();
  for (let i = 0; i < n; i++) if (!Number.isFinite(sorted[i])) throw new InvalidOptionError(`${fn}: eigenvalues holds ${sorted[i]}`);
  return sorted.subarray(0, n - exclude);
}

/** The q-quantile of ascending values (linear interpolation, numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const t = pos - i;
  return i + 1 < sorted.length ? sorted[i] + t * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/** Histogram of the bulk (see the file comment for the bin rule); density normalised by all n eigenvalues. */
export function histogram(eigenvalues: ArrayLike<number>, opts: EsdOptions = {}): Histogram {
  const n = eigenvalues.length;
  const exclude = opts.exclude ?? 0;
  const bulk = bulkOf('histogram', eigenvalues, exclude);
  const lo = bulk[0];
  const hi = bulk[bulk.length - 1];
  let bins: number;
  let rule: Histogram['rule'];
  if (opts.bins !== undefined) {
    if (!Number.isInteger(opts.bins) || opts.bins < 1) throw new InvalidOptionError(`histogram: opts.bins must be a positive integer, got ${opts.bins}`);
    bins = opts.bins;
    rule = 'fixed';
  } else {
    const iqr = quantile(bulk, 0.75) - quantile(bulk, 0.25);
    if (iqr > 0 && hi > lo) {
      bins = Math.min(1000, Math.max(10, Math.ceil((hi - lo) / (2 * iqr * bulk.length ** (-1 / 3)))));
      rule = 'freedman-diaconis';
    } else {
      bins = Math.ceil(Math.log2(bulk.length)) + 1;
      rule = 'sturges';
    }
  }
  const width = hi > lo ? (hi - lo) / bins : Math.max(1e-12, Math.abs(lo) * 1e-6);
  const start = hi > lo ? lo : lo - 0.5 * width * bins;
  const edges = Float64Array.from({ length: bins + 1 }, (_, i) => start + i * width);
  const counts = new Int32Array(bins);
  for (const v of bulk) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - start) / width)))]++;
  return {
    edges,
    x: Float64Array.from({ length: bins }, (_, i) => start + (i + 0.5) * width),
    counts,
    density: Float64Array.from(counts, (c) => c / (n * width)),
    binWidth: width,
    rule,
    excluded: exclude,
  };
}

/** Gaussian kernel density estimate of the bulk on a grid over [min - 3h, max + 3h] (Silverman's bandwidth unless given). */
export function kde(eigenvalues: ArrayLike<number>, opts: EsdOptions = {}): Kde {
  const n = eigenvalues.length;
  const exclude = opts.exclude ?? 0;
  const bulk = bulkOf('kde', eigenvalues, exclude);
  const m = bulk.length;
  const points = opts.points ?? 512;
  if (!Number.isInteger(points) || points < 2) throw new InvalidOptionError(`kde: opts.points must be an integer >= 2, got ${points}`);
  let h: number;
  let rule: Kde['rule'];
  if (opts.bandwidth !== undefined) {
    if (!(opts.bandwidth > 0 && Number.isFinite(opts.bandwidth))) throw new InvalidOptionError(`kde: opts.bandwidth must be a finite number > 0, got ${opts.bandwidth}`);
    h = opts.bandwidth;
    rule = 'fixed';
  } else {
    let mean = 0;
    for (const v of bulk) mean += v / m;
    let s2 = 0;
    for (const v of bulk) s2 += (v - mean) ** 2 / Math.max(1, m - 1);
    const spread = Math.min(Math.sqrt(s2), (quantile(bulk, 0.75) - quantile(bulk, 0.25)) / 1.34) || Math.sqrt(s2) || Math.max(1e-12, Math.abs(mean) * 1e-6);
    h = 0.9 * spread * m ** (-1 / 5);
    rule = 'silverman';
  }
  const lo = bulk[0] - 3 * h;
  const hi = bulk[m - 1] + 3 * h;
  const x = Float64Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const density = new Float64Array(points);
  const c = 1 / (n * h * Math.sqrt(2 * Math.PI));
  // Only eigenvalues within 8h contribute (the Gaussian is < 1e-14 beyond): a sliding window over the sorted bulk.
  let first = 0;
  for (let i = 0; i < points; i++) {
    while (first < m && bulk[first] < x[i] - 8 * h) first++;
    let s = 0;
    for (let j = first; j < m && bulk[j] <= x[i] + 8 * h; j++) {
      const u = (x[i] - bulk[j]) / h;
      s += Math.exp(-0.5 * u * u);
    }
    density[i] = c * s;
  }
  return { x, density, bandwidth: h, rule, excluded: exclude };
}
