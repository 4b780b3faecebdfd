/**
 * The SpectrumWidget's figure: per kernel (the full NTK, a CK, each layer component) a density
 * histogram of its eigenvalues, or its kernel density estimate, with the theoretical density of the
 * matching law overlaid, the spikes marked below the axis, and the KS / Wasserstein-1 distances to the
 * law in a corner note. Hidden kernels (the per-layer toggles) are left out.
 */
import { densityHistogram } from './histogram';
import { Annotation, colour, Figure, Trace } from './types';

/** The eigenvalues received so far for one kernel. */
export interface SpectrumSeries {
  label: string;
  kind: string;
  values: number[];
}

/** One curve of a 'density' result: '<label>:kde', '<label>:theory', or a free-standing law. */
export interface DensityCurveData {
  curve: string;
  law: string;
  x: number[];
  density: number[];
}

/** What the kernel computed beside the eigenvalues (widget state `stats`). */
export interface SpectrumStats {
  law?: string;
  ks?: number;
  w1?: number;
  /** Spike eigenvalues (outliers above the bulk). */
  spikes?: number[];
  /** Upper edge of the bulk the spikes were found against. */
  edge?: number;
}

/** The controls of the figure (widget state). */
export interface SpectrumSettings {
  mode: 'histogram' | 'density';
  /** Histogram bins; null: Rice's rule. */
  bins: number | null;
  logX: boolean;
  logY: boolean;
  /** Labels of kernels not shown. */
  hidden: readonly string[];
  title?: string;
}

const suffix = (curve: string): { label: string; part: string } | undefined => {
  const i = curve.lastIndexOf(':');
  return i > 0 ? { label: curve.slice(0, i), part: curve.slice(i + 1) } : undefined;
};

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? v.toPrecision(3) : v.toExponential(2));

// On a log x axis a density per unit eigenvalue makes narrow spectra tower over wide ones; the density per
// decade (per unit of log10 x) is what the eye reads there: p(x) dx = p(x) x ln 10 d(log10 x).
const perDecade = (x: number, p: number): number => p * x * Math.LN10;

// Eigenvalues below this fraction of the largest are numerical zeros (a rank-deficient bias component):
// on a log axis they would sit decades away from the spectrum and dominate the plot.
const ZERO_FRACTION = 1e-10;
/** Fewer nonzero eigenvalues than this get no histogram (they are drawn as spikes). */
const MIN_HISTOGRAM = 5;

/** Builds the figure (see the file comment). */
export function spectrumFigure(
  series: readonly SpectrumSeries[],
  curves: readonly DensityCurveData[],
  stats: Readonly<Record<string, SpectrumStats>>,
  s: SpectrumSettings,
): Figure {
  const data: Trace[] = [];
  const notes: string[] = [];
  const labels = new Set(series.map((x) => x.label));
  const byName = new Map(curves.map((c) => [c.curve, c]));
  // A curve as plotted: per decade on a log x axis, without the points a log axis cannot show.
  const plotted = (xs: readonly number[], ys: readonly number[]): { x: number[]; y: number[] } => {
    const x: number[] = [];
    const y: number[] = [];
    xs.forEach((v, i) => {
      const d = s.logX ? perDecade(v, ys[i]) : ys[i];
      if ((!s.logX || v > 0) && (!s.logY || d > 0) && Number.isFinite(d)) {
        x.push(v);
        y.push(d);
      }
    });
    return { x, y };
  };
  let floor = Infinity;
  let empiricalMax = 0;
  let theoryMax = 0;
  series.forEach((sr, i) => {
    if (s.hidden.includes(sr.label)) return;
    const c = colour(i);
    let values: readonly number[] = sr.values;
    let zeros = 0;
    const top = sr.values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (s.logX) {
      values = sr.values.filter((v) => v > top * ZERO_FRACTION);
      zeros = sr.values.length - values.length;
    }
    const name = `${sr.label} (n=${sr.values.length}${zeros ? `, ${zeros} ≈ 0 not shown` : ''})`;
    const kde = byName.get(`${sr.label}:kde`);
    let ys: number[] = [];
    if (values.length < MIN_HISTOGRAM) {
      // A rank-deficient component (a bias: rank one) has no bulk to show; its few values are its spikes.
    } else if (s.mode === 'density' && kde) {
      const p = plotted(kde.x, kde.density);
      data.push({ type: 'scatter', mode: 'lines', name, legendgroup: sr.label, x: p.x, y: p.y, line: { color: c, width: 2 } });
      ys = p.y;
    } else {
      const h = densityHistogram(values, { bins: s.bins ?? undefined, log: s.logX });
      const density = Array.from(h.density, (d, b) => (s.logX ? (d * h.widths[b]) / Math.log10(h.edges[b + 1] / h.edges[b]) : d));
      if (s.mode === 'density') {
        data.push({ type: 'scatter', mode: 'lines', name, legendgroup: sr.label, x: Array.from(h.centers), y: density, line: { color: c, width: 2, shape: 'hv' } });
      } else {
        data.push({ type: 'bar', name, legendgroup: sr.label, x: Array.from(h.centers), y: density, width: Array.from(h.widths), marker: { color: c }, opacity: 0.55 });
      }
      ys = density;
    }
    for (const v of ys) {
      if (v > 0 && v < floor) floor = v;
      if (v > empiricalMax) empiricalMax = v;
    }
    const law = byName.get(`${sr.label}:theory`);
    const st = stats[sr.label] ?? {};
    if (law) {
      const p = plotted(law.x, law.density);
      data.push({ type: 'scatter', mode: 'lines', name: `${sr.label} theory (${law.law})`, legendgroup: sr.label, x: p.x, y: p.y, line: { color: c, width: 2, dash: 'dash' } });
      for (const v of p.y) if (v > theoryMax) theoryMax = v;
    }
    if (st.ks !== undefined || st.w1 !== undefined) {
      notes.push(`${sr.label}: KS ${st.ks !== undefined ? fmt(st.ks) : '-'}, W1 ${st.w1 !== undefined ? fmt(st.w1) : '-'}${st.law ? ` (${st.law})` : ''}`);
    }
    const spikes = (st.spikes ?? []).concat(values.length < MIN_HISTOGRAM ? values.filter((v) => !(st.spikes ?? []).includes(v)) : []);
    if (spikes.length > 0) {
      const xs = spikes.filter((v) => !s.logX || v > top * ZERO_FRACTION);
      data.push({ type: 'scatter', mode: 'markers', name: `${sr.label} spikes (${xs.length})`, legendgroup: sr.label, x: xs, y: xs.map(() => 0), marker: { color: c, size: 11, symbol: 'triangle-up' } });
    }
  });
  // Laws not tied to a shown kernel (e.g. a Marchenko-Pastur reference curve).
  curves.forEach((cv, j) => {
    const sfx = suffix(cv.curve);
    if (sfx && labels.has(sfx.label)) return;
    if (cv.law === 'empirical') return;
    const p = plotted(cv.x, cv.density);
    data.push({ type: 'scatter', mode: 'lines', name: `${cv.curve} (${cv.law})`, x: p.x, y: p.y, line: { color: colour(series.length + j), width: 2, dash: 'dot' } });
  });
  // Spike markers sit on the axis: y = 0 on a linear axis, the smallest plotted density on a log one.
  if (s.logY) {
    const y0 = Number.isFinite(floor) ? floor : 1e-3;
    for (const t of data) if (t.mode === 'markers' && t.x) t.y = Array.from(t.x, () => y0);
  }
  // A law whose density diverges at an edge (a hard edge at 0) would flatten the histogram: clip its peak.
  const range: [number, number] | undefined = !s.logY && empiricalMax > 0 && theoryMax > 2.5 * empiricalMax ? [0, 1.25 * empiricalMax] : undefined;
  const annotations: Annotation[] = notes.length
    ? [{ text: notes.join('<br>'), x: 1, y: 1, xref: 'paper', yref: 'paper', xanchor: 'right', yanchor: 'top', showarrow: false, align: 'right', font: { size: 11 } }]
    : [];
  return {
    data,
    layout: {
      title: s.title ? { text: s.title } : undefined,
      xaxis: { title: { text: 'eigenvalue' }, type: s.logX ? 'log' : 'linear', exponentformat: 'e' },
      yaxis: { title: { text: s.logX ? 'density per decade' : 'density' }, type: s.logY ? 'log' : 'linear', exponentformat: 'e', range },
      barmode: 'overlay',
      bargap: 0,
      annotations,
      margin: { l: 60, r: 20, t: s.title ? 40 : 20, b: 50 },
      hovermode: 'closest',
      uirevision: 'spectrum',
    },
  };
}
