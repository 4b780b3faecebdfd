/**
 * The static part of every widget's display bundle: a text/plain summary, the figure as plotly JSON
 * (application/vnd.plotly.v1+json, drawn by a plotly renderer where one is installed) and as an image
 * (SVG for curves, PNG for heatmaps), so a notebook opened without the extension, or exported, still
 * shows the figure. The figure is the one the live view draws, reduced where it is large.
 */
import type { Figure, Trace } from '../../figures/builders/types';
import type { JsonObject, JsonValue } from '../../kernel/json';
import type { MimeBundle } from '../../kernel/display';
import { heatmapPng } from './png';
import { figureSvg } from './svg';

/** Mime type of plotly figures. */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

// Plotly JSON has no typed arrays and no NaN: arrays become lists, NaN becomes null (a gap).
function jsonOf(v: unknown): JsonValue {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>, (x) => (Number.isFinite(x) ? x : null));
  if (Array.isArray(v)) return v.map(jsonOf);
  if (v !== null && typeof v === 'object') {
    const o: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = jsonOf(x);
    return o;
  }
  return v === undefined ? null : (v as JsonValue);
}

/** The figure as plotly JSON. */
export function plotlyJson(fig: Figure): JsonObject {
  return { data: jsonOf(fig.data), layout: jsonOf(fig.layout) } as JsonObject;
}

/** The bundle for `fig` with `summary` as its text/plain. */
export function staticBundle(summary: string, fig: Figure | undefined): MimeBundle {
  const bundle: MimeBundle = { 'text/plain': summary };
  if (!fig || fig.data.length === 0) return bundle;
  bundle[PLOTLY_MIME] = plotlyJson(fig);
  const heat = fig.data.find((t: Trace) => t.type === 'heatmap');
  if (heat?.z) {
    const side = Math.max(heat.z.length, heat.z[0]?.length ?? 0);
    bundle['image/png'] = heatmapPng(heat.z, Math.max(1, Math.floor(512 / Math.max(1, side))));
  } else {
    bundle['image/svg+xml'] = figureSvg(fig);
  }
  return bundle;
}
