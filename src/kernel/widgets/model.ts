/**
 * The kernel side of one widget model (Jupyter widget protocol 2.1.0): its state, which the front end
 * mirrors; 'update' both ways (bytes anywhere in the state travel as buffers), 'echo_update' back to every
 * front end after a front-end change, 'request_state', and 'custom' messages. Without a comm (plain tslab,
 * Node) the model still holds its state and display() shows the static fallback.
 */
import type { Comm, CommMessage } from '../comms/comm';
import { display, DisplayHandle, MimeBundle } from '../display';
import { BinaryLike, isJsonObject, JsonObject } from '../json';
import { putBuffers, removeBuffers, SplitState, StateValue, WidgetState } from './buffer-paths';
import { WIDGET_VIEW_MIME } from './protocol';

/** Called with the keys the front end changed, after they are applied (a rejected promise is logged; other results ignored). */
export type ChangeHandler = (patch: Readonly<WidgetState>) => unknown;
/** Called with a custom message's content and buffers (a rejected promise is logged; other results ignored). */
export type CustomHandler = (content: JsonObject, buffers: readonly Uint8Array[]) => unknown;

/** How a model is made (by openWidget, or by the kernel for a model the front end created). */
export interface WidgetModelInit {
  id: string;
  /** Full state, including _model_name, _model_module, ... */
  state: WidgetState;
  /** The model's comm; none where comms are unavailable. */
  comm?: Comm;
  /** What display() shows without a widget manager (default: text/plain naming the model). */
  fallback?: MimeBundle;
  /** Where failures of change/custom handlers are reported (default: console.error). */
  report?: (what: string, error: unknown) => void;
}

/** One widget model. Create it with openWidget(). */
export class WidgetModel {
  readonly id: string;
  private readonly values: WidgetState;
  private readonly comm: Comm | undefined;
  private readonly fallback: MimeBundle;
  private readonly report: (what: string, error: unknown) => void;
  private readonly changeHandlers = new Set<ChangeHandler>();
  private readonly customHandlers = new Set<CustomHandler>();

  /** Use openWidget(); this is called by the kernel. */
  constructor(init: WidgetModelInit) {
    this.id = init.id;
    this.values = { ...init.state };
    this.comm = init.comm;
    this.report = init.report ?? ((what, e) => console.error(`widget ${this.id}: ${what} failed:`, e));
    this.fallback = init.fallback ?? { 'text/plain': `${String(this.values._model_name ?? 'Widget')}(id=${this.id})` };
    this.comm?.onMsg((msg) => this.receive(msg));
  }

  /** True while the model has an open comm to a front end. */
  get live(): boolean {
    return this.comm !== undefined && !this.comm.closed;
  }

  /** The current state (do not mutate: use set()). */
  get state(): Readonly<WidgetState> {
    return this.values;
  }

  /** The value of one key. */
  get(key: string): StateValue | undefined {
    return this.values[key];
  }

  /** Changes keys and sends them to the front end in one 'update' (bytes as buffers). */
  set(patch: WidgetState): void {
    Object.assign(this.values, patch);
    if (this.live) this.sendState('update', patch);
  }

  /** Sends a 'custom' message (the model's own protocol) with optional buffers. */
  send(content: JsonObject, buffers: readonly BinaryLike[] = []): void {
    if (this.live) this.comm?.send({ method: 'custom', content }, {}, buffers);
  }

  /** Calls `handler` after each front-end change; returns a function that removes it. */
  onChange(handler: ChangeHandler): () => void {
    this.changeHandlers.add(handler);
    return () => void this.changeHandlers.delete(handler);
  }

  /** Calls `handler` for each custom message from the front end; returns a function that removes it. */
  onCustom(handler: CustomHandler): () => void {
    this.customHandlers.add(handler);
    return () => void this.customHandlers.delete(handler);
  }

  /** Calls `handler` when the model's comm closes; returns a function that removes it (no-op without a comm). */
  onClose(handler: () => void): () => void {
    return this.comm?.onClose(() => handler()) ?? (() => undefined);
  }

  /** Shows a view of the model (the static fallback where there is no widget manager). */
  display(): DisplayHandle {
    if (!this.live) return display(this.fallback);
    return display({ ...this.fallback, [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: this.id } });
  }

  /** Closes the model's comm: the front end drops the model. */
  close(): void {
    this.comm?.close();
  }

  /** The whole state split for the wire (request_state, update_states). */
  splitState(): SplitState {
    return removeBuffers(this.values);
  }

  private receive(msg: CommMessage): void {
    const method = msg.data.method;
    if (method === 'update') this.receiveUpdate(msg);
    else if (method === 'request_state') this.sendState('update', this.values);
    else if (method === 'custom') {
      const content = isJsonObject(msg.data.content) ? msg.data.content : {};
      this.notify(this.customHandlers, 'custom handler', (h) => h(content, msg.buffers));
    } else throw new Error(`unknown widget message method ${JSON.stringify(method)}`);
  }

  private receiveUpdate(msg: CommMessage): void {
    const state = msg.data.state;
    if (!isJsonObject(state)) throw new Error("'update' without a state object");
    // Echo first (protocol 2.1.0): every front end learns the new value, as ipywidgets 8 kernels do.
    this.comm?.send({ method: 'echo_update', state, buffer_paths: msg.data.buffer_paths ?? [] }, {}, msg.buffers);
    const patch = putBuffers(structuredClone(state), msg.data.buffer_paths, msg.buffers);
    Object.assign(this.values, patch);
    this.notify(this.changeHandlers, 'change handler', (h) => h(patch));
  }

  private sendState(method: 'update', state: WidgetState): void {
    const split = removeBuffers(state);
    this.comm?.send({ method, state: split.state, buffer_paths: split.bufferPaths }, {}, split.buffers);
  }

  private notify<H>(handlers: Set<H>, what: string, call: (h: H) => unknown): void {
    for (const h of [...handlers]) {
      try {
        const r = call(h);
        if (r instanceof Promise) r.catch((e: unknown) => this.report(what, e));
      } catch (e) {
        this.report(what, e);
      }
    }
  }
}
