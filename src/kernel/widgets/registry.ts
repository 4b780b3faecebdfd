/**
 * The kernel's live widget models, and the two comm targets of the widget protocol: 'jupyter.widget'
 * (models a front end creates) and 'jupyter.widget.control', which the front end's widget manager opens
 * whenever a notebook connects and asks, with 'request_states', for every live model's state at once.
 */
import { randomUUID } from 'node:crypto';
import type { Comm, CommMessage } from '../comms/comm';
import type { CommManager } from '../comms/manager';
import type { MimeBundle } from '../display';
import { BinaryLike, isJsonObject, JsonObject } from '../json';
import type { Log } from '../log';
import { putBuffers, removeBuffers, WidgetState } from './buffer-paths';
import { WidgetModel } from './model';
import { CONTROL_TARGET, WIDGET_PROTOCOL_VERSION, WIDGET_TARGET } from './protocol';

/** Which front-end classes render a model, its initial state, and its static fallback. */
export interface WidgetSpec {
  /** Front-end model class, its npm module and semver range. */
  modelName: string;
  modelModule: string;
  modelModuleVersion: string;
  /** Front-end view class (null: a model without views); defaults to none. */
  viewName?: string | null;
  viewModule?: string;
  viewModuleVersion?: string;
  /** Initial state; bytes anywhere in it travel as raw buffers. */
  state?: WidgetState;
  /** Shown by display() where there is no widget manager (default: text/plain naming the model). */
  fallback?: MimeBundle;
}

/** The full protocol state of `spec`. */
export function initialState(spec: WidgetSpec): WidgetState {
  return {
    _model_name: spec.modelName,
    _model_module: spec.modelModule,
    _model_module_version: spec.modelModuleVersion,
    _view_name: spec.viewName ?? null,
    _view_module: spec.viewModule ?? spec.modelModule,
    _view_module_version: spec.viewModuleVersion ?? spec.modelModuleVersion,
    ...spec.state,
  };
}

/** Live widget models of one kernel. */
export class WidgetRegistry {
  private readonly models = new Map<string, WidgetModel>();
  private readonly openedHandlers = new Set<(model: WidgetModel) => void>();

  /** Registers the widget and control targets on `comms`. */
  constructor(
    private readonly comms: CommManager,
    private readonly log: Log,
  ) {
    comms.registerTarget(WIDGET_TARGET, (comm, msg) => this.openedByFrontEnd(comm, msg));
    comms.registerTarget(CONTROL_TARGET, (comm, msg) => this.control(comm, msg));
  }

  /** Opens a model on the front end (comm_open with its state and buffer paths). */
  open(spec: WidgetSpec): WidgetModel {
    const id = randomUUID().replace(/-/g, '');
    const state = initialState(spec);
    const split = removeBuffers(state);
    const comm = this.comms.open(WIDGET_TARGET, { state: split.state, buffer_paths: split.bufferPaths }, { version: WIDGET_PROTOCOL_VERSION }, split.buffers, id);
    return this.track(new WidgetModel({ id, state, comm, fallback: spec.fallback, report: this.reporter(id) }));
  }

  /** The live model `id`. */
  get(id: string): WidgetModel | undefined {
    return this.models.get(id);
  }

  /** Every live model. */
  all(): WidgetModel[] {
    return [...this.models.values()];
  }

  /** Calls `handler` for each model a front end creates; returns a function that removes it. */
  onOpened(handler: (model: WidgetModel) => void): () => void {
    this.openedHandlers.add(handler);
    return () => void this.openedHandlers.delete(handler);
  }

  private track(model: WidgetModel): WidgetModel {
    this.models.set(model.id, model);
    model.onClose(() => this.models.delete(model.id));
    return model;
  }

  private openedByFrontEnd(comm: Comm, msg: CommMessage): void {
    const state = msg.data.state;
    if (!isJsonObject(state)) throw new Error("widget comm_open without a state object");
    const model = this.track(new WidgetModel({ id: comm.id, state: putBuffers(state, msg.data.buffer_paths, msg.buffers), comm, report: this.reporter(comm.id) }));
    for (const h of [...this.openedHandlers]) h(model);
  }

  // The widget manager's handshake: request_states in the open's data or in a message after it.
  private control(comm: Comm, open: CommMessage): void {
    const answer = (msg: CommMessage): void => {
      if (msg.data.method === 'request_states') this.sendStates(comm);
      else if (msg.data.method !== undefined) this.log.warn(`control comm ${comm.id}: unknown method ${JSON.stringify(msg.data.method)}`);
    };
    answer(open);
    comm.onMsg(answer);
  }

  private sendStates(comm: Comm): void {
    const states: JsonObject = {};
    const bufferPaths: (string | number)[][] = [];
    const buffers: BinaryLike[] = [];
    for (const m of this.models.values()) {
      const split = m.splitState();
      const s = m.state;
      states[m.id] = { model_name: String(s._model_name), model_module: String(s._model_module), model_module_version: String(s._model_module_version), state: split.state };
      split.bufferPaths.forEach((p, i) => {
        bufferPaths.push([m.id, 'state', ...p]);
        buffers.push(split.buffers[i]);
      });
    }
    comm.send({ method: 'update_states', states, buffer_paths: bufferPaths }, {}, buffers);
  }

  private reporter(id: string): (what: string, e: unknown) => void {
    return (what, e) => this.log.error(`widget ${id}: ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}
