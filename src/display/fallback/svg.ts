/**
 * A static SVG drawing of a widget's figure (the same Figure the live view hands to Plotly): lines,
 * markers, filled bands, bars, log or linear axes, one or two stacked panels, a legend. It is the image
 * a notebook shows where the extension is missing (JupyterLab without it, nbconvert, GitHub): no
 * JavaScript runs there, and SVG needs none. Heatmaps go to PNG instead (png.ts).
 */
import type { Axis, Figure, Numbers, Trace } from '../../figures/builders/types';
import { ellipsize, fitLines } from './text-fit';
import { scale, Scale, tickLabel } from './ticks';

const W = 720;
const PANEL_H = 300;
const M = { l: 64, r: 190, t: 30, b: 44 };

// Plotly's line breaks become spaces before escaping (after it, no '<br>' is left to find).
const esc = (s: string): string => s.replace(/<br\s*\/?>/gi, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number): string => (Math.round(v * 10) / 10).toString();

function extent(traces: readonly Trace[], key: 'x' | 'y', log: boolean, zero: boolean): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const add = (v: number): void => {
    if (!Number.isFinite(v) || (log && v <= 0)) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (const t of traces) {
    const vs: Numbers = t[key] ?? [];
    for (let i = 0; i < vs.length; i++) {
      add(vs[i]);
      if (t.type === 'bar' && key === 'x' && t.width) {
        add(vs[i] - t.width[i] / 2);
        add(vs[i] + t.width[i] / 2);
      }
    }
  }
  if (zero && !log) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (!(lo <= hi)) return log ? [1, 10] : [0, 1];
  if (lo === hi) return log ? [lo / 2, hi * 2] : [lo - 1, hi + 1];
  if (!log) {
    const pad = (hi - lo) * 0.04;
    return [lo - (zero && lo === 0 ? 0 : pad), hi + pad];
  }
  return [lo, hi];
}

function axisLines(sx: Scale, sy: Scale, top: number, h: number, xTitle: string, yTitle: string, showX: boolean): string {
  const out: string[] = [];
  const x0 = M.l;
  const x1 = W - M.r;
  out.push(`<rect x="${x0}" y="${top}" width="${x1 - x0}" height="${h}" fill="none" stroke="#bbb"/>`);
  for (const v of sy.ticks()) {
    const y = sy.px(v);
    if (!Number.isFinite(y) || y < top - 0.5 || y > top + h + 0.5) continue;
    out.push(`<line x1="${x0}" x2="${x1}" y1="${num(y)}" y2="${num(y)}" stroke="#eee"/><text x="${x0 - 4}" y="${num(y + 4)}" text-anchor="end">${tickLabel(v)}</text>`);
  }
  for (const v of sx.ticks()) {
    const x = sx.px(v);
    if (!Number.isFinite(x) || x < x0 - 0.5 || x > x1 + 0.5) continue;
    out.push(`<line x1="${num(x)}" x2="${num(x)}" y1="${top}" y2="${top + h}" stroke="#eee"/>`);
    if (showX) out.push(`<text x="${num(x)}" y="${top + h + 14}" text-anchor="middle">${tickLabel(v)}</text>`);
  }
  if (showX) out.push(`<text x="${(x0 + x1) / 2}" y="${top + h + 34}" text-anchor="middle">${esc(xTitle)}</text>`);
  out.push(`<text transform="translate(14 ${top + h / 2}) rotate(-90)" text-anchor="middle">${esc(yTitle)}</text>`);
  return out.join('');
}

function traceSvg(t: Trace, sx: Scale, sy: Scale, base: number): string {
  const xs = t.x ?? [];
  const ys = t.y ?? [];
  const color = t.line?.color ?? t.marker?.color ?? '#1f77b4';
  const pts: string[] = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = sx.px(xs[i]);
    const y = sy.px(ys[i]);
    if (Number.isFinite(x) && Number.isFinite(y)) pts.push(`${num(x)},${num(y)}`);
  }
  if (t.type === 'bar') {
    const out: string[] = [];
    for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
      const w = t.width?.[i] ?? 0;
      const a = sx.px(xs[i] - w / 2);
      const b = sx.px(xs[i] + w / 2);
      const y = sy.px(ys[i]);
      if (![a, b, y].every(Number.isFinite)) continue;
      out.push(`<rect x="${num(a)}" y="${num(Math.min(y, base))}" width="${num(Math.max(0.5, b - a))}" height="${num(Math.abs(base - y))}"/>`);
    }
    return `<g fill="${t.marker?.color ?? color}" fill-opacity="${t.opacity ?? 0.6}">${out.join('')}</g>`;
  }
  if (t.fill === 'toself') return `<polygon points="${pts.join(' ')}" fill="${t.fillcolor ?? color}" stroke="none"/>`;
  const out: string[] = [];
  if (t.mode !== 'markers' && pts.length > 1) {
    const dash = t.line?.dash === 'dash' ? ' stroke-dasharray="6 4"' : t.line?.dash === 'dot' ? ' stroke-dasharray="2 3"' : t.line?.dash === 'dashdot' ? ' stroke-dasharray="6 3 2 3"' : '';
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="${t.line?.width ?? 2}"${dash}/>`);
  }
  if (t.mode === 'markers' || t.mode === 'lines+markers') {
    const r = (t.marker?.size ?? 6) / 2;
    for (const p of pts) {
      const [x, y] = p.split(',');
      out.push(t.marker?.symbol === 'triangle-up' ? `<path d="M${x},${Number(y) - r * 1.2} l${r},${r * 2} h${-2 * r}z" fill="${color}"/>` : `<circle cx="${x}" cy="${y}" r="${r}" fill="${color}"/>`);
    }
  }
  return out.join('');
}

// Legend entries: a swatch and the name in the right margin, wrapped onto two lines where long (and
// shortened in the middle beyond that); the full name is each entry's <title>, a tooltip where the SVG is
// shown inline or opened by itself.
const LEGEND_FONT = 11;
const LEGEND_LINE = 13;
const LEGEND_X = W - M.r + 30;
/** Room for a legend name, px. */
export const LEGEND_TEXT_WIDTH = W - LEGEND_X - 6;

function legend(traces: readonly Trace[], top: number, bottom: number): string {
  const shown = traces.filter((t) => t.showlegend !== false && t.name);
  const out: string[] = [];
  let y = top + 8;
  for (let i = 0; i < shown.length; i++) {
    const t = shown[i];
    const name = (t.name ?? '').replace(/<br\s*\/?>/gi, ' ');
    const lines = fitLines(name, LEGEND_TEXT_WIDTH, LEGEND_FONT, 2);
    const h = lines.length * LEGEND_LINE + 3;
    // Keep a line for '+k more' unless this is the last entry.
    if (y + h > bottom - (i < shown.length - 1 ? LEGEND_LINE : 0)) {
      out.push(`<text x="${LEGEND_X}" y="${y - 3}" fill="#666">+${shown.length - i} more</text>`);
      break;
    }
    const color = t.type === 'bar' ? (t.marker?.color ?? '#888') : (t.line?.color ?? t.marker?.color ?? '#888');
    const spans = lines.map((l, j) => `<tspan x="${LEGEND_X}"${j > 0 ? ` dy="${LEGEND_LINE}"` : ''}>${esc(l)}</tspan>`).join('');
    out.push(`<g class="legend-entry"><title>${esc(name)}</title><rect x="${W - M.r + 10}" y="${y - 8}" width="14" height="4" fill="${color}"/><text x="${LEGEND_X}" y="${y - 3}">${spans}</text></g>`);
    y += h;
  }
  return out.join('');
}

/** The figure as a standalone SVG document (scatter and bar traces; heatmaps are left to png.ts). */
export function figureSvg(fig: Figure): string {
  const twoPanels = fig.data.some((t) => t.yaxis === 'y2');
  const panels: { axis: Axis; traces: Trace[] }[] = twoPanels
    ? [
        { axis: fig.layout.yaxis ?? {}, traces: fig.data.filter((t) => t.yaxis !== 'y2') },
        { axis: fig.layout.yaxis2 ?? {}, traces: fig.data.filter((t) => t.yaxis === 'y2') },
      ]
    : [{ axis: fig.layout.yaxis ?? {}, traces: fig.data }];
  const xLog = fig.layout.xaxis?.type === 'log';
  const [xlo, xhi] = extent(fig.data, 'x', xLog, false);
  const sx = scale(xlo, xhi, M.l, W - M.r, xLog);
  const subtitle = fig.layout.title?.subtitle?.text ?? '';
  // A subtitle (the parameters a sweep was computed with) takes a second line above the panels.
  const top0 = M.t + (subtitle ? 14 : 0);
  const height = top0 + panels.length * PANEL_H + (panels.length - 1) * 20 + M.b;
  const body: string[] = [];
  panels.forEach((p, i) => {
    const top = top0 + i * (PANEL_H + 20);
    const yLog = p.axis.type === 'log';
    const hasBars = p.traces.some((t) => t.type === 'bar');
    // A fixed range (Plotly's: log10 units on a log axis) wins over the data's extent.
    const [ylo, yhi] = p.axis.range ? (yLog ? [10 ** p.axis.range[0], 10 ** p.axis.range[1]] : p.axis.range) : extent(p.traces, 'y', yLog, hasBars || p.axis.rangemode === 'tozero');
    const sy = scale(ylo, yhi, top + PANEL_H, top, yLog);
    body.push(axisLines(sx, sy, top, PANEL_H, fig.layout.xaxis?.title?.text ?? '', p.axis.title?.text ?? '', i === panels.length - 1));
    const base = yLog ? top + PANEL_H : sy.px(Math.max(ylo, Math.min(0, yhi)));
    body.push(`<g clip-path="url(#c${i})">${p.traces.map((t) => traceSvg(t, sx, sy, base)).join('')}</g>`);
    body.push(`<clipPath id="c${i}"><rect x="${M.l}" y="${top}" width="${W - M.l - M.r}" height="${PANEL_H}"/></clipPath>`);
  });
  // Titles stay inside the image (bold text estimated a size larger); the full text is the SVG's <title>.
  const titleText = (fig.layout.title?.text ?? '').replace(/<br\s*\/?>/gi, ' ');
  const title = titleText ? `<title>${esc(titleText)}</title><text x="${M.l}" y="18" font-weight="bold">${esc(ellipsize(titleText, W - M.l - 8, 12))}</text>` : '';
  const sub = subtitle ? `<text x="${M.l}" y="33" font-size="10" fill="#555">${esc(ellipsize(subtitle, W - M.l - 8, 10))}</text>` : '';
  const notes = (fig.layout.annotations ?? []).map((a, i) => `<text x="${W - M.r - 6}" y="${top0 + 14 + i * 14}" text-anchor="end">${esc(a.text)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>${title}${sub}${body.join('')}${notes}${legend(fig.data, top0, height - 6)}</svg>`;
}
