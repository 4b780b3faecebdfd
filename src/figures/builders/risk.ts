/**
 * The RiskWidget's figure: ridge prediction risk on the conjugate-kernel features after one step,
 * against the learning rate, one curve per scaling (small eta = Theta(1), large eta = Theta(sqrt N)),
 * seeds' spread as bands; the random-features risk before the step and the best linear model's risk
 * as horizontal reference lines (and, when the run computed it, the mu2*^2 lower bound).
 */
import { curveWithBand } from './bands';
import { SweepFixedSizes, SweepRows, SweepX, sweepCurves, sweepParamsText, sweepTitle, sweepMean, sweepXRange } from './sweep';
import { colour, Figure, Trace } from './types';

/** Controls of the figure. */
export interface RiskSettings {
  x: SweepX;
  logX: boolean;
  logY: boolean;
  title?: string;
  /** n and d of the run (from its metadata), stated with the parameters in the title. */
  fixed?: SweepFixedSizes;
}

const X_TITLE: Record<SweepX, string> = { eta: 'learning rate η', eta_factor: 'η / N^α (multiplier within the scaling)' };

/** Reference lines: label, column, dash. */
const REFERENCES = [
  { name: 'before step (random features)', metric: 'risk_initial', dash: 'dash' },
  { name: 'best linear', metric: 'risk_linear', dash: 'dot' },
  { name: 'μ2*² lower bound', metric: 'risk_lower_bound', dash: 'dashdot' },
] as const;

/** Builds the figure (see the file comment). */
export function riskFigure(rows: SweepRows, s: RiskSettings): Figure {
  const data: Trace[] = [];
  const curves = sweepCurves(rows, 'risk_trained', s.x);
  curves.forEach((c, i) => {
    if (s.logX && c.x.some((v) => v <= 0)) {
      const keep = c.x.map((v) => v > 0);
      c = { ...c, x: c.x.filter((_, j) => keep[j]), mean: c.mean.filter((_, j) => keep[j]), std: c.std.filter((_, j) => keep[j]), count: c.count.filter((_, j) => keep[j]) };
    }
    data.push(...curveWithBand(c, `${c.key}: after step`, colour(i)));
  });
  let [lo, hi] = sweepXRange(rows, s.x);
  if (s.logX && lo <= 0) lo = Math.min(...curves.flatMap((c) => c.x).filter((v) => v > 0), hi);
  if (Number.isFinite(lo) && Number.isFinite(hi)) {
    REFERENCES.forEach((r, j) => {
      const v = sweepMean(rows, r.metric);
      if (!Number.isFinite(v) || (s.logY && v <= 0)) return;
      data.push({ type: 'scatter', mode: 'lines', name: `${r.name} (${v.toPrecision(3)})`, x: [lo, hi], y: [v, v], line: { color: colour(7 + j), width: 2, dash: r.dash }, hoverinfo: 'name+x+y' });
    });
  }
  // The parameters go into the title: a recomputed figure (another lambda, width, seed count) says what it shows.
  const title = sweepTitle(s.title, sweepParamsText(rows, s.fixed, true));
  return {
    data,
    layout: {
      title,
      xaxis: { title: { text: X_TITLE[s.x] }, type: s.logX ? 'log' : 'linear' },
      yaxis: { title: { text: 'prediction risk' }, type: s.logY ? 'log' : 'linear', exponentformat: 'e' },
      margin: { l: 60, r: 20, t: title?.subtitle ? 64 : title ? 40 : 20, b: 50 },
      hovermode: 'closest',
      uirevision: 'risk',
    },
  };
}
