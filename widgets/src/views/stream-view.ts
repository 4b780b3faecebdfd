/**
 * Base of the views: a header (title, progress bar until every stream completes, status line), the
 * widget's controls, an error box, and the plot. Redraws go through a RedrawThrottle (at most ~10 a
 * second, slower when drawing is slow), and through planUpdate (extendTraces when points were only
 * appended, react otherwise). A bad batch or a failing figure shows in the error box and leaves the
 * rest of the page alone. The root element exposes what was drawn (data-traces, data-points,
 * data-status, data-first-paint-ms, ...) for scripts and the browser test.
 */
import { DOMWidgetView } from '@jupyter-widgets/base';
import type { Message } from '@lumino/messaging';
import { planUpdate } from '../../../src/figures/builders/plan';
import { overallState, rowProgress } from '../../../src/figures/describe';
import { countPoints, Figure, Trace } from '../../../src/figures/builders/types';
import type { StreamModel } from '../models/stream-model';
import { Plotly, PlotConfig } from '../plotly';
import { displayed, resizeIfShown } from '../render/resize';
import { RedrawThrottle } from '../render/throttle';

const CONFIG: PlotConfig = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ['select2d', 'lasso2d'] };

// Copies scatter/bar data so Plotly never holds (and extendTraces never grows) the model's own arrays.
function detach(fig: Figure): Figure {
  const copy = (t: Trace): Trace => (t.type === 'heatmap' ? { ...t } : { ...t, x: t.x ? Array.from(t.x) : undefined, y: t.y ? Array.from(t.y) : undefined });
  return { data: fig.data.map(copy), layout: JSON.parse(JSON.stringify(fig.layout)) as Figure['layout'] };
}

export abstract class StreamView<M extends StreamModel> extends DOMWidgetView {
  protected plotEl!: HTMLDivElement;
  private statusEl!: HTMLSpanElement;
  private progressEl!: HTMLProgressElement;
  private errorEl!: HTMLDivElement;
  private throttle!: RedrawThrottle;
  private drawn: Figure | undefined;
  private plotted = false;
  private viewError: string | null = null;

  /** The model, typed. */
  protected get m(): M {
    return this.model as unknown as M;
  }

  /** Short name of the widget (data-ntk-widget, CSS class). */
  protected abstract readonly widgetName: string;
  /** The figure for the data and settings now. */
  protected abstract figure(): Figure;
  /** Adds the widget's controls. */
  protected abstract buildControls(into: HTMLElement): void;
  /** Traits whose change redraws the plot. */
  protected abstract redrawOn(): string[];
  /** Rows of data received (data-rows). */
  protected abstract rows(): number;
  /** The status line: what was computed, in the reader's terms (src/figures/describe.ts). */
  protected abstract statusLine(): string;

  override render(): void {
    const el = this.el as HTMLElement;
    el.classList.add('ntk-widget', `ntk-${this.widgetName}`);
    el.dataset.ntkWidget = this.widgetName;
    const header = document.createElement('div');
    header.className = 'ntk-header';
    const title = document.createElement('span');
    title.className = 'ntk-title';
    this.progressEl = document.createElement('progress');
    this.progressEl.className = 'ntk-progress';
    this.statusEl = document.createElement('span');
    this.statusEl.className = 'ntk-status';
    header.append(title, this.progressEl, this.statusEl);
    const controls = document.createElement('div');
    controls.className = 'ntk-controls';
    this.errorEl = document.createElement('div');
    this.errorEl.className = 'ntk-error';
    this.errorEl.hidden = true;
    this.plotEl = document.createElement('div');
    this.plotEl.className = 'ntk-plot';
    el.replaceChildren(header, controls, this.errorEl, this.plotEl);
    const showTitle = (): void => void (title.textContent = String(this.model.get('title') ?? ''));
    showTitle();
    this.listenTo(this.model, 'change:title', showTitle);
    try {
      this.buildControls(controls);
    } catch (e) {
      this.fail(`controls: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.throttle = new RedrawThrottle(() => this.draw(), { onError: (e) => this.fail(`drawing failed: ${e instanceof Error ? e.message : String(e)}`) });
    this.listenTo(this.model, 'data', () => this.throttle.request());
    this.listenTo(this.model, 'status', () => this.showStatus());
    // The status line counts what the model holds: it changes with the data too.
    this.listenTo(this.model, 'data', () => this.showStatus());
    for (const t of this.redrawOn()) this.listenTo(this.model, `change:${t}`, () => this.throttle.request());
    this.showStatus();
    // Plotly measures its container: draw once the view is in the page.
    void this.displayed.then(() => this.throttle.request());
  }

  override remove(): void {
    this.throttle?.dispose();
    if (this.plotted) Plotly.purge(this.plotEl);
    return super.remove();
  }

  override processLuminoMessage(msg: Message): void {
    super.processLuminoMessage(msg);
    if ((msg.type === 'resize' || msg.type === 'after-show') && this.plotted) void resizeIfShown(Plotly, this.plotEl, displayed);
  }

  private async draw(): Promise<void> {
    if (!this.plotEl.isConnected) return;
    let fig: Figure;
    try {
      fig = this.figure();
    } catch (e) {
      this.fail(`building the plot failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const t0 = performance.now();
    const plan = this.plotted ? planUpdate(this.drawn, fig) : ({ kind: 'react' } as const);
    if (!this.plotted) {
      const d = detach(fig);
      await Plotly.newPlot(this.plotEl, d.data, d.layout, CONFIG);
      this.plotted = true;
    } else if (plan.kind === 'extend') {
      await Plotly.extendTraces(this.plotEl, { x: plan.x, y: plan.y }, plan.indices);
    } else if (plan.kind === 'react') {
      const d = detach(fig);
      await Plotly.react(this.plotEl, d.data, d.layout, CONFIG);
    }
    this.drawn = fig;
    const el = this.el as HTMLElement;
    const points = countPoints(fig);
    el.dataset.traces = String(fig.data.length);
    el.dataset.points = String(points);
    el.dataset.rows = String(this.rows());
    const timing = this.m.timing;
    timing.draws++;
    el.dataset.draws = String(timing.draws);
    el.dataset.viewDraws = String(this.throttle.stats.draws + 1);
    el.dataset.lastDraw = plan.kind;
    el.dataset.lastDrawMs = (performance.now() - t0).toFixed(1);
    if (timing.firstPaint === undefined && points > 0 && timing.firstData !== undefined) {
      timing.firstPaint = performance.now();
      // Wall-clock time too, to compare with a cell's start printed by the kernel (same machine clock).
      timing.firstPaintEpoch = Date.now();
    }
    if (timing.firstPaint !== undefined && timing.firstData !== undefined) {
      el.dataset.firstPaintMs = (timing.firstPaint - timing.firstData).toFixed(1);
      el.dataset.firstPaintEpoch = String(timing.firstPaintEpoch);
    }
    this.fail(null);
  }

  private showStatus(): void {
    const st = this.m.status;
    const state = overallState(st);
    const { sent, expected } = rowProgress(st);
    const el = this.el as HTMLElement;
    el.dataset.status = state;
    el.dataset.generation = String(st.generation);
    this.progressEl.hidden = state !== 'running';
    if (expected !== null && expected > 0) {
      this.progressEl.max = expected;
      this.progressEl.value = Math.min(sent, expected);
    } else this.progressEl.removeAttribute('value');
    this.statusEl.textContent = this.statusLine();
    this.showErrors();
  }

  /** Records a failure of this view (null: the last draw succeeded) and refreshes the error box. */
  private fail(message: string | null): void {
    this.viewError = message;
    this.showErrors();
  }

  private showErrors(): void {
    const st = this.m.status;
    const errors = [
      ...(st.error ? [st.error] : []),
      ...Object.entries(st.streams).filter(([, s]) => s.error).map(([n, s]) => `${n}: ${s.error}`),
      ...this.m.dataErrors.slice(-5),
      ...(this.viewError ? [this.viewError] : []),
    ];
    this.errorEl.hidden = errors.length === 0;
    this.errorEl.textContent = errors.join('\n');
    (this.el as HTMLElement).dataset.errors = String(errors.length);
  }
}
