/**
 * What code in a notebook cell calls: comms, widgets, and the cell's AbortSignal. In the ntk-lab kernel
 * they talk to the front end; elsewhere comms throw CommUnavailableError, widgets keep their state
 * locally and display their static fallback, and cellSignal() never aborts.
 *
 *   const comm = openComm('my-target', { hello: 1 }, {}, [new Float32Array([1, 2])]);
 *   comm.onMsg((msg) => comm.send({ got: msg.buffers.map((b) => b.byteLength) }));
 *   await ntk(net, x, undefined, { signal: cellSignal() });   // stops at the next tile on a kernel interrupt
 */
import { randomUUID } from 'node:crypto';
import type { Comm } from './comms/comm';
import type { TargetHandler } from './comms/manager';
import { CommUnavailableError } from './errors';
import type { BinaryLike, JsonObject } from './json';
import { kernelRuntime, KernelRuntime } from './runtime';
import { WidgetModel } from './widgets/model';
import { initialState, WidgetSpec } from './widgets/registry';

/** True in the ntk-lab kernel, where comms and live widgets work. */
export function commsAvailable(): boolean {
  return kernelRuntime() !== undefined;
}

/** Opens a comm to the front end's `target` (comm_open with data, metadata and raw buffers). */
export function openComm(target: string, data: JsonObject = {}, metadata: JsonObject = {}, buffers: readonly BinaryLike[] = []): Comm {
  return runtime('openComm').comms.open(target, data, metadata, buffers);
}

/** Registers `handler` for comms the front end opens on `name` (replacing an earlier one). */
export function registerTarget(name: string, handler: TargetHandler): void {
  runtime('registerTarget').comms.registerTarget(name, handler);
}

/** Removes the target `name`; true if it was registered. */
export function unregisterTarget(name: string): boolean {
  return kernelRuntime()?.comms.unregisterTarget(name) ?? false;
}

/** The running cell's AbortSignal: a kernel interrupt aborts it. Outside the ntk-lab kernel it never aborts. */
export function cellSignal(): AbortSignal {
  return kernelRuntime()?.signal() ?? new AbortController().signal;
}

/** Opens a widget model on the front end; without comms, a local model whose display() is its static fallback. */
export function openWidget(spec: WidgetSpec): WidgetModel {
  const rt = kernelRuntime();
  if (rt) return rt.widgets.open(spec);
  return new WidgetModel({ id: randomUUID().replace(/-/g, ''), state: initialState(spec), fallback: spec.fallback });
}

/** Calls `handler` for each widget model a front end creates; returns a function that removes it. */
export function onWidgetOpened(handler: (model: WidgetModel) => void): () => void {
  return kernelRuntime()?.widgets.onOpened(handler) ?? (() => undefined);
}

function runtime(what: string): KernelRuntime {
  const rt = kernelRuntime();
  if (!rt) throw new CommUnavailableError(`${what}: comms need the ntk-lab kernel (install it with \`npx ntk-lab install\` and pick 'TypeScript (ntk-lab)')`);
  return rt;
}
