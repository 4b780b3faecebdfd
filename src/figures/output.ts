/**
 * The display-bundle side of the widget protocol. Every output an ntk-lab widget displays holds its static
 * figure (text/plain, plotly JSON, SVG or PNG), the ipywidgets view (application/vnd.jupyter.widget-view+json)
 * and a marker of its own, FIGURE_MIME, naming the model. JupyterLab's ipywidgets renderer picks the widget
 * view first and shows "model not found" once the model is gone (a restarted kernel, a re-opened notebook);
 * the ntk-lab-widgets extension registers a renderer for the marker, ranked before the widget view, that
 * shows the live view while the model exists and the static copy saved in the same bundle otherwise.
 * Front ends without the extension do not know the marker and ignore it: they keep the plain fallback.
 * Kept free of DOM and Jupyter imports: the kernel side, the front end and the Node tests compile it.
 */

/** Mime type of the marker (a JSON object, see FigureMarker). */
export const FIGURE_MIME = 'application/vnd.ntk-lab.figure+json';

/** What the marker holds. */
export interface FigureMarker {
  /** The widget model's id (the same as in the widget-view mime). */
  model_id: string;
  /** Its front-end model class (SpectrumModel, RiskModel, ...), for scripts and error messages. */
  model_name: string;
  /** Version of this marker's format. */
  version: 1;
}

/** The note shown under a static copy. */
export const STATIC_NOTE = 'static copy saved with the notebook; re-run the cell for the live widget';

/** The note while the page may still be creating the model (a cell just ran, a page restoring its widgets). */
export const PENDING_NOTE = 'static copy saved with the notebook; waiting for the live widget…';

/** The marker for a model. */
export function figureMarker(modelId: string, modelName: string): FigureMarker {
  return { model_id: modelId, model_name: modelName, version: 1 };
}

/** The marker in a bundle's FIGURE_MIME entry, or undefined when it is not one (missing, another format). */
export function asFigureMarker(v: unknown): FigureMarker | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.model_id !== 'string' || o.model_id === '' || o.version !== 1) return undefined;
  return { model_id: o.model_id, model_name: typeof o.model_name === 'string' ? o.model_name : '', version: 1 };
}

/** The static copy an output holds: an image (as a data URL) or, lacking one, the text summary. */
export interface StaticCopy {
  kind: 'svg' | 'png' | 'text';
  /** data: URL of the image (svg, png). */
  src?: string;
  /** The text/plain summary (the image's tooltip, or the copy itself for 'text'). */
  text: string;
}

// nbformat stores long strings as lists of lines; JupyterLab usually joins them, a raw notebook does not.
function joined(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('');
  return undefined;
}

/**
 * The static copy in `data` (a display bundle as saved): the SVG (curves), else the PNG (heatmaps), else
 * the text. The same order as `ntk-lab export --html-figures static`. The SVG goes in as a data URL for an
 * <img>, so nothing in it can run.
 */
export function staticCopyOf(data: Readonly<Record<string, unknown>>): StaticCopy {
  const text = joined(data['text/plain']) ?? '';
  const svg = joined(data['image/svg+xml']);
  if (svg !== undefined && svg.trim() !== '') return { kind: 'svg', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, text };
  const png = joined(data['image/png']);
  if (png !== undefined && png.trim() !== '') return { kind: 'png', src: `data:image/png;base64,${png.replace(/\s+/g, '')}`, text };
  return { kind: 'text', text: text || 'no static figure was saved with this output' };
}
