/**
 * The subset of plotly.js figures the widgets draw, typed. Builders in this folder are pure functions
 * from decoded columns to a Figure: the views hand it to Plotly, the kernel turns it into the static
 * fallback (plotly JSON and SVG), and the Node tests check it, all from the same code.
 */

/** Numbers of a trace: typed arrays are kept as they are (Plotly reads them without copying). */
export type Numbers = number[] | Float64Array | Float32Array | Int32Array;

export interface Line {
  color?: string;
  width?: number;
  dash?: 'solid' | 'dash' | 'dot' | 'dashdot';
  shape?: 'linear' | 'hv' | 'spline';
}

export interface Marker {
  color?: string;
  size?: number;
  symbol?: string;
  opacity?: number;
}

/** A scatter (lines, markers, filled band), bar or heatmap trace. */
export interface Trace {
  type: 'scatter' | 'bar' | 'heatmap';
  name?: string;
  x?: Numbers;
  y?: Numbers;
  /** Heatmap rows (row i at y = i). */
  z?: Numbers[];
  mode?: 'lines' | 'markers' | 'lines+markers' | 'none';
  line?: Line;
  marker?: Marker;
  fill?: 'none' | 'toself' | 'tozeroy';
  fillcolor?: string;
  opacity?: number;
  width?: Numbers;
  showlegend?: boolean;
  legendgroup?: string;
  hoverinfo?: 'skip' | 'all' | 'x+y' | 'name+x+y';
  xaxis?: 'x' | 'x2';
  yaxis?: 'y' | 'y2';
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  /** Heatmap: no smoothing, cells drawn as they are. */
  zsmooth?: false | 'fast' | 'best';
  colorbar?: { title?: { text: string } };
}

export interface Axis {
  title?: { text: string };
  type?: 'linear' | 'log';
  domain?: [number, number];
  anchor?: 'x' | 'y' | 'x2' | 'y2';
  autorange?: boolean | 'reversed';
  /** Fixed range (data units; log10 of them on a log axis, as Plotly wants). */
  range?: [number, number];
  rangemode?: 'normal' | 'tozero';
  exponentformat?: 'e' | 'power' | 'SI' | 'none';
  zeroline?: boolean;
  scaleanchor?: 'x' | 'y';
  constrain?: 'domain' | 'range';
}

export interface Annotation {
  text: string;
  x: number;
  y: number;
  xref: 'paper';
  yref: 'paper';
  xanchor?: 'left' | 'right' | 'center';
  yanchor?: 'top' | 'bottom' | 'middle';
  showarrow: false;
  align?: 'left' | 'right';
  font?: { size?: number; family?: string };
}

/** A figure's title; the subtitle is a smaller second line (plotly.js >= 2.35, and the static SVG). */
export interface Title {
  text: string;
  subtitle?: { text: string };
  font?: { size?: number };
}

export interface Layout {
  title?: Title;
  xaxis?: Axis;
  yaxis?: Axis;
  yaxis2?: Axis;
  barmode?: 'overlay' | 'group';
  bargap?: number;
  showlegend?: boolean;
  legend?: { orientation?: 'h' | 'v'; x?: number; y?: number; xanchor?: 'left' | 'right'; yanchor?: 'top' | 'bottom' };
  annotations?: Annotation[];
  margin?: { l?: number; r?: number; t?: number; b?: number };
  height?: number;
  width?: number;
  hovermode?: 'closest' | 'x' | false;
  /** Keeps zoom and legend toggles across Plotly.react calls while this value stays the same. */
  uirevision?: string;
}

/** A figure: traces and layout. */
export interface Figure {
  data: Trace[];
  layout: Layout;
}

/** A qualitative palette (plotly's default), indexed by curve. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** The palette colour of curve `i` (cycles). */
export function colour(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** `hex` ('#rrggbb') with opacity `alpha`, as an rgba() string (band fills). */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Points a figure plots: x/y lengths of scatter and bar traces, cells of heatmaps (for diagnostics and tests). */
export function countPoints(fig: Figure): number {
  let n = 0;
  for (const t of fig.data) {
    if (t.type === 'heatmap') n += (t.z ?? []).reduce((s, row) => s + row.length, 0);
    else n += t.y?.length ?? t.x?.length ?? 0;
  }
  return n;
}
