/**
 * The renderer of ntk-lab's outputs (those carrying the FIGURE_MIME marker, src/figures/output.ts), ranked
 * before JupyterLab's widget renderer. While the output's model exists in this page (see live/registry.ts)
 * it hosts the model's live view, as the widget renderer would; when the model is gone (a restarted kernel,
 * a notebook re-opened later) it shows the static figure saved in the same output with a note that it is
 * one, where the widget renderer says "Error displaying widget: model not found". The widget manager does
 * not say which models are still coming (a cell's output can render before its model is built; a re-opened
 * page restores models once its kernel connects), so a model not here yet gets PENDING_GRACE_MS: the static
 * copy shows at once with a 'waiting' note, which becomes the static note when the time is up, and the live
 * view replaces it whenever the model arrives. If the live view is closed (the kernel closed the model),
 * the static copy comes back.
 */
import type { DOMWidgetView } from '@jupyter-widgets/base';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Panel, Widget } from '@lumino/widgets';
import { asFigureMarker, PENDING_NOTE, STATIC_NOTE, staticCopyOf } from '../../../src/figures/output';
import { canShowLive } from '../live/registry';
import { liveModels } from '../live/instance';
import type { StreamModel } from '../models/stream-model';

/** The path of the document an output belongs to: the notebook's URL resolver knows it (RenderMimeRegistry.UrlResolver). */
function documentPath(resolver: IRenderMime.IResolver | null | undefined): string | undefined {
  const path = (resolver as { path?: unknown } | null | undefined)?.path;
  return typeof path === 'string' ? path : undefined;
}

/** How long a missing model counts as still coming. */
export const PENDING_GRACE_MS = 2500;

function staticWidget(data: Readonly<Record<string, unknown>>, modelName: string, pending: boolean, problem?: string): Widget {
  const copy = staticCopyOf(data);
  const figure = document.createElement('figure');
  figure.className = 'ntk-static';
  figure.dataset.ntkStatic = copy.kind;
  figure.dataset.state = pending ? 'pending' : 'static';
  if (modelName) figure.dataset.model = modelName;
  if (copy.src) {
    const img = document.createElement('img');
    img.src = copy.src;
    img.alt = copy.text;
    img.title = copy.text;
    figure.append(img);
  } else {
    const pre = document.createElement('pre');
    pre.textContent = copy.text;
    figure.append(pre);
  }
  const note = document.createElement('figcaption');
  note.className = 'ntk-static-note';
  note.textContent = pending ? PENDING_NOTE : problem ? `${STATIC_NOTE} (${problem})` : STATIC_NOTE;
  figure.append(note);
  return new Widget({ node: figure });
}

/** One output's renderer (see the file comment). */
export class FigureRenderer extends Panel implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private readonly path: string | undefined;
  private data: Readonly<Record<string, unknown>> = {};
  private modelId = '';
  private modelName = '';
  private live: Widget | undefined;
  private unwatch: (() => void) | undefined;
  // Bumped by every change of what is shown: a live view that arrives after a newer change is dropped.
  private ticket = 0;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.path = documentPath(options.resolver);
    this.addClass('ntk-output');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.data = model.data as Readonly<Record<string, unknown>>;
    const marker = asFigureMarker(model.data[this.mimeType]);
    const id = marker?.model_id ?? '';
    this.modelName = marker?.model_name ?? '';
    // The kernel replaces the output when a computation ends (a fresh static figure): the live view stays.
    if (this.live && id === this.modelId) return;
    this.modelId = id;
    this.stopWatching();
    const found = id ? liveModels.find(id, this.path) : undefined;
    if (found) return this.showLive(found);
    this.showStatic(id !== '');
    if (id) {
      this.unwatch = liveModels.watch(id, (m) => {
        if (canShowLive(m, this.path)) void this.showLive(m);
      });
    }
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.stopWatching();
    clearTimeout(this.graceTimer);
    this.ticket++;
    this.live = undefined;
    super.dispose();
  }

  private async showLive(model: StreamModel): Promise<void> {
    this.stopWatching();
    const ticket = ++this.ticket;
    let view: DOMWidgetView;
    try {
      view = (await model.widget_manager.create_view(model, {})) as DOMWidgetView;
    } catch (e) {
      if (ticket === this.ticket && !this.isDisposed) this.showStatic(false, `the live view failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (ticket !== this.ticket || this.isDisposed) {
      view.remove();
      return;
    }
    const widget = view.luminoWidget;
    this.clear();
    this.live = widget;
    this.addWidget(widget);
    widget.disposed.connect(() => {
      if (this.live !== widget) return;
      this.live = undefined;
      if (!this.isDisposed) this.showStatic(false);
    });
  }

  private showStatic(pending: boolean, problem?: string): void {
    const ticket = ++this.ticket;
    this.clear();
    this.addWidget(staticWidget(this.data, this.modelName, pending, problem));
    clearTimeout(this.graceTimer);
    if (pending) {
      this.graceTimer = setTimeout(() => {
        // Still the same static copy, and still no model: it is gone, say so (a later model still replaces it).
        if (ticket === this.ticket && !this.isDisposed) this.showStatic(false);
      }, PENDING_GRACE_MS);
    }
  }

  private clear(): void {
    this.live = undefined;
    for (const w of [...this.widgets]) w.dispose();
  }

  private stopWatching(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }
}
