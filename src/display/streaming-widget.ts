/**
 * Base of the kernel-side widgets: opens the widget model on the front end (or a local one outside the
 * ntk-lab kernel), streams Arrow batches to it through a BatchChannel, answers its requests for batches
 * it lacks, and shows it with a static fallback (text, plotly JSON, an image) that is refreshed when a
 * computation ends, so an exported notebook holds the final figure. Recomputations (a control moved in
 * the browser, or update() from a cell) abort the one still running.
 */
import type { RecordBatch, Schema, Table, TypeMap } from 'apache-arrow';
import type { DecodedBatch } from '../figures/arrow/decode';
import type { WidgetKind } from '../figures/arrow/kinds';
import type { Figure } from '../figures/builders/types';
import type { ResultStream } from '../arrow/stream';
import { CancelledError } from '../errors';
import { openWidget } from '../kernel/api';
import { display, DisplayHandle, MimeBundle } from '../kernel/display';
import type { WidgetState } from '../kernel/widgets/buffer-paths';
import type { WidgetModel } from '../kernel/widgets/model';
import { WIDGET_VIEW_MIME } from '../kernel/widgets/protocol';
import { FIGURE_MIME, figureMarker } from '../figures/output';
import { BatchChannel } from './channel';
import { staticBundle } from './fallback/bundle';
import { asRequestMessage, DATA_STATUS_TRAIT, emptyDataStatus, MODULE_NAME, MODULE_SEMVER, StreamState } from './names';

/** What a subclass passes to the base. */
export interface StreamingWidgetInit {
  modelName: string;
  viewName: string;
  /** Initial traits (settings and parameters). */
  state: WidgetState;
  /** Streams and their result kinds. */
  kinds: Record<string, WidgetKind>;
}

/** Where a stream ended. */
export interface StreamOutcome {
  state: Exclude<StreamState, 'idle' | 'running'>;
  rows: number;
  error?: string;
}

/** A source of batches for one stream: a ResultStream (with its schema), or a table. */
export type BatchSource<T extends TypeMap> = ResultStream<T> | Table<T>;

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

export abstract class StreamingWidget {
  /** The widget model (its state mirrors the front end's). */
  readonly model: WidgetModel;
  protected readonly channel: BatchChannel;
  private handle: DisplayHandle | undefined;
  private controller: AbortController | undefined;
  private readonly mirrorErrors: string[] = [];
  private readonly modelName: string;

  protected constructor(init: StreamingWidgetInit) {
    this.modelName = init.modelName;
    this.model = openWidget({
      modelName: init.modelName,
      modelModule: MODULE_NAME,
      modelModuleVersion: MODULE_SEMVER,
      viewName: init.viewName,
      state: { title: '', ...init.state, [DATA_STATUS_TRAIT]: emptyDataStatus() as unknown as WidgetState[string] },
    });
    this.channel = new BatchChannel({ set: (p) => this.model.set(p), send: (c, b) => this.model.send(c, b) }, init.kinds, {
      batch: (s, d) => this.mirror(s, d),
      error: (s, seq, m) => void this.mirrorErrors.push(`${s} batch ${seq}: ${m}`),
      reset: () => {
        this.mirrorErrors.length = 0;
        this.resetMirror();
      },
    });
    this.model.onCustom((content) => {
      const req = asRequestMessage(content);
      if (req) this.channel.answer(req);
    });
    this.model.onChange((patch) => this.changed(Object.keys(patch)));
  }

  /** Takes a decoded batch into the kernel-side mirror the fallback is drawn from. */
  protected abstract mirror(stream: string, batch: DecodedBatch): void;
  /** Empties the mirror (a new computation). */
  protected abstract resetMirror(): void;
  /** The fallback figure (the view's figure, reduced where large), or undefined before data. */
  protected abstract staticFigure(): Figure | undefined;
  /** One-line summary for text/plain. */
  protected abstract summary(): string;
  /** Called after the front end (or set()) changed `keys`; subclasses recompute on parameter changes. */
  protected changed(_keys: string[]): void {}

  /** Shows the widget in the cell's output (the live view where the front end has the extension, else the fallback). */
  display(): this {
    this.handle = display(this.bundle());
    return this;
  }

  /** Replaces the shown output with the current fallback (done after each computation). */
  refreshDisplay(): void {
    this.handle?.update(this.bundle());
  }

  /** Sets traits (as a front end would) and syncs them to the front end. */
  set(patch: WidgetState): void {
    this.model.set(patch);
    this.changed(Object.keys(patch));
  }

  /** The widget's title, shown above the plot. */
  set title(text: string) {
    this.model.set({ title: text });
  }

  /**
   * Sends already-encoded Arrow IPC bytes as the next batch of `stream` of the current computation (a
   * buffer from a file or another process); the front end checks them and shows what is wrong in the widget.
   */
  sendIpc(stream: string, bytes: Uint8Array, rows: number): void {
    if (this.channel.generation === 0) this.channel.begin();
    this.channel.pushBytes(stream, bytes, rows);
  }

  /** Ends the streams that sendIpc() fed (marks them complete, or `state`) and refreshes the display. */
  finish(state: 'complete' | 'cancelled' | 'failed' = 'complete', error?: string): void {
    this.channel.endRunning(state, error);
    this.refreshDisplay();
  }

  /** Closes the widget model: views in the page go blank. */
  close(): void {
    this.controller?.abort(new CancelledError('widget closed'));
    this.model.close();
  }

  /** The display bundle: the fallback, plus the live view and its marker (../figures/output) when a front end is connected. */
  bundle(): MimeBundle {
    let fig: Figure | undefined;
    let note = '';
    try {
      fig = this.staticFigure();
    } catch (e) {
      note = ` (static figure failed: ${describe(e)})`;
    }
    const errors = [...(this.channel.status().error ? [this.channel.status().error as string] : []), ...this.mirrorErrors.slice(-3)];
    const text = `${this.summary()}${note}${errors.length ? `\nerrors: ${errors.join('; ')}` : ''}`;
    const b = staticBundle(text, fig);
    if (this.model.live) {
      b[WIDGET_VIEW_MIME] = { version_major: 2, version_minor: 0, model_id: this.model.id };
      // For the ntk-lab-widgets front end: its renderer shows the live view while the model exists and the
      // static copy above once it is gone (restarted kernel), where JupyterLab's own would say "model not found".
      b[FIGURE_MIME] = figureMarker(this.model.id, this.modelName) as unknown as MimeBundle[string];
    }
    return b;
  }

  /**
   * Runs one computation: aborts the previous one, starts a new generation with the streams' expected
   * rows, and pipes each source (made by `sources` with the run's signal) into its stream, in order.
   * Resolves when all ended; a failed or cancelled stream is reported in the widget, not thrown, unless
   * `rethrow` (a cell that awaits run() learns of the failure).
   */
  protected async compute(
    expected: Record<string, number | null>,
    sources: (signal: AbortSignal) => Promise<[string, BatchSource<TypeMap>][]> | [string, BatchSource<TypeMap>][],
    rethrow = false,
  ): Promise<Record<string, StreamOutcome>> {
    this.controller?.abort(new CancelledError('superseded by a new computation'));
    const controller = new AbortController();
    this.controller = controller;
    this.channel.begin(expected);
    const outcomes: Record<string, StreamOutcome> = {};
    let failure: unknown;
    try {
      const gen = this.channel.generation;
      const list = await sources(controller.signal);
      for (const [name, src] of list) {
        outcomes[name] = await this.pipe(name, src, gen);
        if (outcomes[name].state !== 'complete') break;
      }
    } catch (e) {
      failure = e;
      if (this.controller === controller) this.channel.fail(describe(e));
    }
    if (this.controller === controller) {
      this.controller = undefined;
      const stopped = Object.values(outcomes).find((o) => o.state !== 'complete');
      if (failure === undefined) this.channel.endRunning(stopped ? 'cancelled' : 'complete', stopped ? 'an earlier stream stopped' : undefined);
      this.refreshDisplay();
    }
    if (rethrow && failure !== undefined) throw failure;
    if (rethrow) {
      const bad = Object.values(outcomes).find((o) => o.state === 'failed');
      if (bad) throw new Error(bad.error);
    }
    return outcomes;
  }

  /** Signal of the computation running now (aborted by the next one). */
  protected get signal(): AbortSignal | undefined {
    return this.controller?.signal;
  }

  // Pipes one source into stream `name` of generation `gen`; a newer computation stops it (its batches
  // must not land in the newer generation's stream).
  private async pipe(name: string, src: BatchSource<TypeMap>, gen: number): Promise<StreamOutcome> {
    const current = (): boolean => this.channel.generation === gen;
    const push = (batch: RecordBatch<TypeMap>, schema: Schema<TypeMap>): void => {
      if (!current()) throw new CancelledError('superseded by a new computation');
      this.channel.push(name, batch, schema);
    };
    let rows = 0;
    try {
      if ('pipeTo' in src) {
        const schema = src.schema;
        await src.toCallback((batch: RecordBatch<TypeMap>) => {
          push(batch, schema as Schema<TypeMap>);
          rows += batch.numRows;
        });
      } else {
        for (const batch of src.batches) {
          push(batch, src.schema);
          rows += batch.numRows;
          // Let the kernel flush this batch to the front end before encoding the next.
          await new Promise((r) => setImmediate(r));
        }
      }
      if (current()) this.channel.end(name, 'complete');
      return { state: 'complete', rows };
    } catch (e) {
      const state = e instanceof CancelledError ? 'cancelled' : 'failed';
      if (current()) this.channel.end(name, state, describe(e));
      return { state, rows, error: describe(e) };
    }
  }
}
