/**
 * The AlignmentWidget's figure, two panels sharing the learning-rate axis: on top the alignment of the
 * first-layer weights with the teacher direction (|cos| of W1's top left singular vector with beta*,
 * and of the step's own spike), below the operator norms of the step's spike and of the rest (bulk),
 * one curve per learning-rate scaling, seeds' spread as bands.
 */
import { curveWithBand } from './bands';
import { SweepFixedSizes, SweepRows, SweepX, sweepCurves, sweepParamsText, sweepTitle } from './sweep';
import { colour, Figure, Trace } from './types';

/** Controls of the figure. */
export interface AlignmentSettings {
  x: SweepX;
  logX: boolean;
  title?: string;
  /** n and d of the run (from its metadata), stated with the parameters in the title. */
  fixed?: SweepFixedSizes;
}

const X_TITLE: Record<SweepX, string> = { eta: 'learning rate η', eta_factor: 'η / N^α (multiplier within the scaling)' };

/** Builds the figure (see the file comment). */
export function alignmentFigure(rows: SweepRows, s: AlignmentSettings): Figure {
  const data: Trace[] = [];
  const w1 = sweepCurves(rows, 'alignment_w1', s.x);
  const step = sweepCurves(rows, 'alignment', s.x);
  const spike = sweepCurves(rows, 'spike_norm', s.x);
  const bulk = sweepCurves(rows, 'bulk_norm', s.x);
  const keys = [...new Set([...w1, ...spike].map((c) => c.key))].sort();
  const keep = (xs: number[]): boolean => !s.logX || xs.every((v) => v > 0);
  keys.forEach((k, i) => {
    const color = colour(i);
    const a = w1.find((c) => c.key === k);
    if (a && keep(a.x)) data.push(...curveWithBand(a, `${k}: W1 alignment`, color));
    const g = step.find((c) => c.key === k);
    if (g && keep(g.x)) data.push(...curveWithBand(g, `${k}: step alignment`, color, {}, { dash: 'dot', width: 1 }));
    const sp = spike.find((c) => c.key === k);
    if (sp && keep(sp.x)) data.push(...curveWithBand(sp, `${k}: spike ‖·‖`, color, { yaxis: 'y2' }));
    const b = bulk.find((c) => c.key === k);
    if (b && keep(b.x)) data.push(...curveWithBand(b, `${k}: bulk ‖·‖`, color, { yaxis: 'y2' }, { dash: 'dash' }));
  });
  // The parameters go into the title: a recomputed figure (another lambda, width, seed count) says what it shows.
  const title = sweepTitle(s.title, sweepParamsText(rows, s.fixed, false));
  return {
    data,
    layout: {
      title,
      xaxis: { title: { text: X_TITLE[s.x] }, type: s.logX ? 'log' : 'linear', anchor: 'y2' },
      yaxis: { title: { text: '|cos(u, β*)|' }, domain: [0.55, 1], rangemode: 'tozero' },
      yaxis2: { title: { text: 'singular value' }, domain: [0, 0.45], anchor: 'x', rangemode: 'tozero' },
      margin: { l: 60, r: 20, t: title?.subtitle ? 64 : title ? 40 : 20, b: 50 },
      hovermode: 'closest',
      uirevision: 'alignment',
    },
  };
}
