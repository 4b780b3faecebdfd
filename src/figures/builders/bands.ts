/** Mean curves with a shaded band of plus/minus one standard deviation over seeds. */
import type { SweepCurve } from './sweep';
import { Line, Trace, withAlpha } from './types';

/** The band (one closed polygon, drawn first) and the mean line of `c`. */
export function curveWithBand(c: SweepCurve, name: string, color: string, axis: { xaxis?: 'x' | 'x2'; yaxis?: 'y' | 'y2' } = {}, line: Line = {}): Trace[] {
  const out: Trace[] = [];
  if (c.std.some((s) => s > 0)) {
    const upper = c.mean.map((m, i) => m + c.std[i]);
    const lower = c.mean.map((m, i) => m - c.std[i]);
    out.push({
      type: 'scatter', mode: 'lines', name: `${name} ± sd`, x: [...c.x, ...[...c.x].reverse()], y: [...upper, ...lower.reverse()],
      fill: 'toself', fillcolor: withAlpha(color, 0.18), line: { color: withAlpha(color, 0), width: 0 }, hoverinfo: 'skip',
      showlegend: false, legendgroup: name, ...axis,
    });
  }
  out.push({ type: 'scatter', mode: 'lines+markers', name, x: c.x, y: c.mean, line: { color, width: 2, ...line }, marker: { color, size: 5 }, legendgroup: name, ...axis });
  return out;
}
