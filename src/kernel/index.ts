/**
 * The notebook side of ntk-lab's Jupyter kernel: comms with binary buffers, widget models (protocol
 * 2.1.0), display with ids, and the cell's AbortSignal. The kernel itself starts from ./main.
 *
 * Not a package entry: cells import these from 'ntk-lab/notebook' (src/notebook/index.ts), which lists what is public.
 */
export { commsAvailable, openComm, registerTarget, unregisterTarget, cellSignal, openWidget, onWidgetOpened } from './api';
export { display } from './display';
export type { DisplayHandle, DisplayOptions, MimeBundle } from './display';
export { Comm } from './comms/comm';
export type { CommHandler, CommMessage } from './comms/comm';
export type { TargetHandler } from './comms/manager';
export { WidgetModel } from './widgets/model';
export type { ChangeHandler, CustomHandler } from './widgets/model';
export type { WidgetSpec } from './widgets/registry';
export type { StateValue, WidgetState, BufferPath } from './widgets/buffer-paths';
export { WIDGET_PROTOCOL_VERSION, WIDGET_VIEW_MIME } from './widgets/protocol';
export { CommUnavailableError, CommClosedError } from './errors';
export type { BinaryLike, JsonObject, JsonValue, JsonPrimitive } from './json';
