/**
 * One-step sweep rows -> curves against the learning rate: mean and spread over seeds of a metric,
 * one curve per scaling (and per width or lambda when a sweep holds several). Per-seed rows
 * (statistic 'value') are averaged here, so curves fill in while the seeds of a point still arrive;
 * a table of summaries only (statistic 'mean' / 'std') is read as it is.
 */

/** The sweep columns the figures read, accumulated over batches. */
export interface SweepRows {
  eta: number[];
  eta_factor: number[];
  scaling: string[];
  seed: number[];
  width: number[];
  lambda: number[];
  statistic: string[];
  alignment: number[];
  alignment_w1: number[];
  spike_norm: number[];
  bulk_norm: number[];
  risk_initial: number[];
  risk_trained: number[];
  risk_linear: number[];
  risk_null: number[];
  risk_lower_bound: number[];
}

/** A metric column. */
export type SweepMetric = 'alignment' | 'alignment_w1' | 'spike_norm' | 'bulk_norm' | 'risk_initial' | 'risk_trained' | 'risk_linear' | 'risk_null' | 'risk_lower_bound';

/** x axis: eta as applied, or its multiplier eta / N^alpha within the scaling. */
export type SweepX = 'eta' | 'eta_factor';

/** One curve: x ascending, with mean, sample standard deviation (0 for one seed) and seed count. */
export interface SweepCurve {
  key: string;
  scaling: string;
  x: number[];
  mean: number[];
  std: number[];
  count: number[];
}

/** Empty rows. */
export function emptySweepRows(): SweepRows {
  return {
    eta: [], eta_factor: [], scaling: [], seed: [], width: [], lambda: [], statistic: [], alignment: [], alignment_w1: [], spike_norm: [],
    bulk_norm: [], risk_initial: [], risk_trained: [], risk_linear: [], risk_null: [], risk_lower_bound: [],
  };
}

/** Curve names: the scaling, plus N and lambda when the rows hold several of them. */
function keyer(rows: SweepRows, idx: readonly number[]): (i: number) => string {
  const widths = new Set(idx.map((i) => rows.width[i]));
  const lambdas = new Set(idx.map((i) => rows.lambda[i]));
  return (i) => {
    let k = rows.scaling[i];
    if (widths.size > 1) k += ` N=${rows.width[i]}`;
    if (lambdas.size > 1) k += ` λ=${rows.lambda[i]}`;
    return k;
  };
}

/** Mean/std curves of `metric` (NaN values are skipped, as the run writes NaN for what it did not compute). */
export function sweepCurves(rows: SweepRows, metric: SweepMetric, x: SweepX): SweepCurve[] {
  const values = rows.statistic.map((s, i) => (s === 'value' ? i : -1)).filter((i) => i >= 0);
  if (values.length === 0) return summaryCurves(rows, metric, x);
  const key = keyer(rows, values);
  const groups = new Map<string, { scaling: string; points: Map<number, number[]> }>();
  for (const i of values) {
    const v = rows[metric][i];
    if (!Number.isFinite(v)) continue;
    const k = key(i);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { scaling: rows.scaling[i], points: new Map() }));
    const xv = rows[x][i];
    const list = g.points.get(xv);
    if (list) list.push(v);
    else g.points.set(xv, [v]);
  }
  const out: SweepCurve[] = [];
  for (const [k, g] of groups) {
    const xs = [...g.points.keys()].sort((a, b) => a - b);
    const c: SweepCurve = { key: k, scaling: g.scaling, x: xs, mean: [], std: [], count: [] };
    for (const xv of xs) {
      const vs = g.points.get(xv) as number[];
      const m = vs.reduce((s, v) => s + v, 0) / vs.length;
      const sd = vs.length > 1 ? Math.sqrt(vs.reduce((s, v) => s + (v - m) ** 2, 0) / (vs.length - 1)) : 0;
      c.mean.push(m);
      c.std.push(sd);
      c.count.push(vs.length);
    }
    out.push(c);
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

function summaryCurves(rows: SweepRows, metric: SweepMetric, x: SweepX): SweepCurve[] {
  const idx = rows.statistic.map((s, i) => (s === 'mean' || s === 'std' ? i : -1)).filter((i) => i >= 0);
  const key = keyer(rows, idx);
  const groups = new Map<string, { scaling: string; mean: Map<number, number>; std: Map<number, number> }>();
  for (const i of idx) {
    const k = key(i);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { scaling: rows.scaling[i], mean: new Map(), std: new Map() }));
    (rows.statistic[i] === 'mean' ? g.mean : g.std).set(rows[x][i], rows[metric][i]);
  }
  const out: SweepCurve[] = [];
  for (const [k, g] of groups) {
    const xs = [...g.mean.keys()].filter((xv) => Number.isFinite(g.mean.get(xv) as number)).sort((a, b) => a - b);
    out.push({ key: k, scaling: g.scaling, x: xs, mean: xs.map((xv) => g.mean.get(xv) as number), std: xs.map((xv) => g.std.get(xv) ?? 0), count: xs.map(() => NaN) });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

/** Mean of the finite values of `metric` over per-seed rows (for baselines that do not depend on eta). */
export function sweepMean(rows: SweepRows, metric: SweepMetric): number {
  let s = 0;
  let n = 0;
  rows.statistic.forEach((st, i) => {
    const v = rows[metric][i];
    if (st !== 'std' && Number.isFinite(v)) {
      s += v;
      n++;
    }
  });
  return n > 0 ? s / n : NaN;
}

/** Range of x over all rows, [lo, hi] (NaN when empty). */
export function sweepXRange(rows: SweepRows, x: SweepX): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of rows[x]) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

/** The experiment's fixed sizes as the run's `params` metadata states them (what the rows do not hold). */
export interface SweepFixedSizes {
  n?: number;
  d?: number;
}

/** n and d from a batch's `params` metadata (JSON); empty when absent or unreadable (a custom computation). */
export function fixedSizesOf(metadata: ReadonlyMap<string, string>): SweepFixedSizes {
  try {
    const p = JSON.parse(metadata.get('params') ?? '{}') as Record<string, unknown>;
    const out: SweepFixedSizes = {};
    if (typeof p.n === 'number' && Number.isFinite(p.n)) out.n = p.n;
    if (typeof p.d === 'number' && Number.isFinite(p.d)) out.d = p.d;
    return out;
  } catch {
    return {};
  }
}

const short = (v: number): string => String(Number(v.toPrecision(3)));

/**
 * The parameters the rows were computed with, for the figure's title: 'computed with λ = 0.1, N = 256,
 * 2 seeds (n = 512, d = 128)'. Several values of one parameter are listed; lambda only where it matters
 * (the risk: the step itself does not depend on it). Empty without rows.
 */
export function sweepParamsText(rows: SweepRows, fixed: SweepFixedSizes = {}, withLambda = true): string {
  const per = rows.statistic.map((s, i) => (s === 'value' ? i : -1)).filter((i) => i >= 0);
  const idx = per.length > 0 ? per : rows.eta.map((_, i) => i);
  if (idx.length === 0) return '';
  const values = (col: readonly number[]): string => [...new Set(idx.map((i) => col[i]).filter(Number.isFinite))].sort((a, b) => a - b).map(short).join(', ');
  const parts: string[] = [];
  if (withLambda) parts.push(`λ = ${values(rows.lambda)}`);
  parts.push(`N = ${values(rows.width)}`);
  if (per.length > 0) {
    const seeds = new Set(per.map((i) => rows.seed[i])).size;
    parts.push(`${seeds} seed${seeds === 1 ? '' : 's'}`);
  }
  const sizes = [fixed.n !== undefined ? `n = ${fixed.n}` : '', fixed.d !== undefined ? `d = ${fixed.d}` : ''].filter(Boolean).join(', ');
  return `computed with ${parts.join(', ')}${sizes ? ` (${sizes})` : ''}`;
}

/** The layout title of a sweep figure: the widget's title with the parameters below it, or the parameters alone. */
export function sweepTitle(title: string | undefined, params: string): { text: string; subtitle?: { text: string }; font?: { size: number } } | undefined {
  if (title && params) return { text: title, subtitle: { text: params } };
  if (title) return { text: title };
  if (params) return { text: params, font: { size: 13 } };
  return undefined;
}
