/**
 * Base of the front-end models: receives the batches the kernel streams (custom messages with one raw
 * Arrow buffer each), keeps them in a StreamStore for the model's life (views come and go, data stays),
 * and asks the kernel for batches it lacks: on creation (a re-opened notebook, a second front end) and
 * whenever the kernel's `data_status` says more exist than arrived.
 */
import { DOMWidgetModel } from '@jupyter-widgets/base';
import type { DecodedBatch } from '../../../src/figures/arrow/decode';
import type { WidgetKind } from '../../../src/figures/arrow/kinds';
import { StreamStore } from '../../../src/figures/data/stream-store';
import { asBatchMessage, asDataStatus, DATA_STATUS_TRAIT, DataStatus, emptyDataStatus, RequestMessage } from '../../../src/figures/protocol';
import { MODULE_NAME, MODULE_VERSION } from '../../../src/figures/version';
import { liveModels } from '../live/instance';

/** Bytes of a comm buffer (DataView, ArrayBuffer or typed array), without copying. */
export function toBytes(b: unknown): Uint8Array | undefined {
  if (b instanceof Uint8Array) return b;
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  return undefined;
}

// A request not answered within this time is sent again.
const REQUEST_RETRY_MS = 3000;

/** A widget model fed by Arrow streams. Subclasses name their streams and accumulate their batches. */
export abstract class StreamModel extends DOMWidgetModel {
  store!: StreamStore;
  /** Decode and data errors, newest last, shown by the views. */
  dataErrors: string[] = [];
  /**
   * Paint timings of this model's data, across its views (an output re-rendered when the kernel refreshes
   * the static fallback gets a new view; the first paint is still the first view's): performance.now()
   * of the first batch and of the first non-empty paint, its wall-clock time, and redraws by all views.
   */
  readonly timing: { firstData?: number; firstPaint?: number; firstPaintEpoch?: number; draws: number } = { draws: 0 };
  private requested = new Map<string, { generation: number; from: number; at: number }>();
  private closing = false;

  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      _model_module: MODULE_NAME,
      _model_module_version: MODULE_VERSION,
      _view_module: MODULE_NAME,
      _view_module_version: MODULE_VERSION,
      [DATA_STATUS_TRAIT]: emptyDataStatus(),
      title: '',
    };
  }

  /** The streams this widget reads: name -> result kind. */
  protected abstract streamKinds(): Record<string, WidgetKind>;
  /** Forgets accumulated data (a new generation). */
  protected abstract resetData(): void;
  /** Takes in-order decoded batches of `stream`; may throw a WidgetDataError for bad content. */
  protected abstract ingest(stream: string, batches: DecodedBatch[]): void;

  override initialize(attributes: Backbone.ObjectHash, options: Parameters<DOMWidgetModel['initialize']>[1]): void {
    super.initialize(attributes, options);
    this.store = new StreamStore(this.streamKinds());
    this.on('msg:custom', (content: unknown, buffers: unknown[] | undefined) => this.onCustom(content, buffers ?? []));
    this.on(`change:${DATA_STATUS_TRAIT}`, () => this.onStatus());
    // After construction: a model restored into a re-opened page asks at once for what the kernel has.
    setTimeout(() => this.onStatus(), 0);
    // Outputs of this model shown as static copies (the page was still restoring) switch to the live view.
    // Not before the constructor has returned: subclass fields (the data) are assigned after initialize().
    queueMicrotask(() => {
      if (!this.closing) liveModels.add(this);
    });
  }

  override close(comm_closed = false): Promise<void> {
    this.closing = true;
    liveModels.remove(this);
    return super.close(comm_closed);
  }

  /** True once batches from the kernel arrived (decoded or not). */
  hasData(): boolean {
    return Object.values(this.store.held()).some((n) => n > 0);
  }

  /** Path of the notebook whose widget manager made this model (undefined for a console's manager). */
  documentPath(): string | undefined {
    // JupyterLab's notebook WidgetManager has `context` (its document); the base interface does not say so.
    const context = (this.widget_manager as unknown as { context?: { path?: unknown } | null }).context;
    return typeof context?.path === 'string' ? context.path : undefined;
  }

  /** The kernel's last reported status. */
  get status(): DataStatus {
    return asDataStatus(this.get(DATA_STATUS_TRAIT));
  }

  private onCustom(content: unknown, buffers: unknown[]): void {
    const msg = asBatchMessage(content);
    if (!msg) return;
    const before = this.store.generation;
    const r = this.store.accept(msg, toBytes(buffers[0]));
    if (this.store.generation !== before) this.reset();
    if (r.ignored) return;
    this.requested.delete(msg.stream);
    this.dataErrors.push(...r.errors);
    if (r.appended.length > 0) {
      this.timing.firstData ??= performance.now();
      try {
        this.ingest(msg.stream, r.appended);
      } catch (e) {
        this.dataErrors.push(`${msg.stream}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.trigger('data');
  }

  private onStatus(): void {
    const st = this.status;
    if (this.store.sync(st.generation)) this.reset();
    const now = Date.now();
    for (const m of this.store.missing(st)) {
      const last = this.requested.get(m.stream);
      if (last && last.generation === st.generation && last.from === m.from && now - last.at < REQUEST_RETRY_MS) continue;
      this.requested.set(m.stream, { generation: st.generation, from: m.from, at: now });
      const req: RequestMessage = { kind: 'request', generation: st.generation, stream: m.stream, from: m.from };
      this.send({ ...req }, {});
    }
    this.trigger('status');
  }

  private reset(): void {
    this.dataErrors = [];
    this.requested.clear();
    this.resetData();
    this.trigger('data');
  }
}
