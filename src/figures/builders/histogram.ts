/**
 * Histograms of eigenvalues, normalised as densities (area = 1) so that a theoretical density can be
 * overlaid on the same axis. Linear bins, or log-spaced bins for a log x axis (eigenvalues of kernels
 * span decades); non-finite values are skipped, and on a log axis so are values <= 0, which it cannot show.
 */

/** Options of densityHistogram(). */
export interface HistogramOptions {
  /** Number of bins (default: Rice's rule, 2 n^(1/3), within [5, 200]). */
  bins?: number;
  /** Log-spaced bins (for a log x axis). */
  log?: boolean;
  /** Range [lo, hi] of the bins (default: the data's range). */
  range?: [number, number];
}

/** Bins with their centres, widths, counts and densities. */
export interface DensityHistogram {
  edges: Float64Array;
  centers: Float64Array;
  widths: Float64Array;
  counts: Float64Array;
  /** counts / (total * width): integrates to 1 over the counted values. */
  density: Float64Array;
  /** Values counted (finite and, for log bins, > 0). */
  counted: number;
}

/** Rice's rule, clamped to [5, 200]. */
export function defaultBins(n: number): number {
  return Math.min(200, Math.max(5, Math.ceil(2 * Math.cbrt(Math.max(n, 1)))));
}

/** A density histogram of `values` (see the file comment). */
export function densityHistogram(values: ArrayLike<number>, opts: HistogramOptions = {}): DensityHistogram {
  const log = opts.log === true;
  const ok = (v: number): boolean => Number.isFinite(v) && (!log || v > 0);
  let lo = Infinity;
  let hi = -Infinity;
  let counted = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!ok(v)) continue;
    counted++;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (opts.range) [lo, hi] = opts.range;
  const bins = Math.max(1, Math.floor(opts.bins ?? defaultBins(counted)));
  const empty = (): DensityHistogram => ({ edges: new Float64Array(0), centers: new Float64Array(0), widths: new Float64Array(0), counts: new Float64Array(0), density: new Float64Array(0), counted: 0 });
  if (counted === 0 || !(hi >= lo)) return empty();
  if (hi === lo) {
    // One distinct value: one bin of a width that shows it.
    const w = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= w / 2;
    hi += w / 2;
    if (log && lo <= 0) lo = hi / 10;
  }
  const edges = new Float64Array(bins + 1);
  const t0 = log ? Math.log(lo) : lo;
  const t1 = log ? Math.log(hi) : hi;
  for (let i = 0; i <= bins; i++) {
    const t = t0 + ((t1 - t0) * i) / bins;
    edges[i] = log ? Math.exp(t) : t;
  }
  edges[0] = lo;
  edges[bins] = hi;
  const counts = new Float64Array(bins);
  let inRange = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!ok(v) || v < lo || v > hi) continue;
    const t = log ? Math.log(v) : v;
    let b = Math.floor(((t - t0) / (t1 - t0)) * bins);
    if (b >= bins) b = bins - 1; // the top edge belongs to the last bin
    if (b < 0) b = 0;
    counts[b]++;
    inRange++;
  }
  const centers = new Float64Array(bins);
  const widths = new Float64Array(bins);
  const density = new Float64Array(bins);
  for (let b = 0; b < bins; b++) {
    widths[b] = edges[b + 1] - edges[b];
    centers[b] = log ? Math.sqrt(edges[b] * edges[b + 1]) : (edges[b] + edges[b + 1]) / 2;
    density[b] = inRange > 0 && widths[b] > 0 ? counts[b] / (inRange * widths[b]) : 0;
  }
  return { edges, centers, widths, counts, density, counted: inRange };
}
