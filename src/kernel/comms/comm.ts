/**
 * A comm: one bidirectional channel between kernel code and a front-end object (Jupyter messaging spec,
 * "Custom Messages"). Opened by either side on a target name; JSON data plus raw binary buffers both ways.
 */
import type { BinaryLike, JsonObject } from '../json';
import { CommClosedError } from '../errors';

/** A comm_open, comm_msg or comm_close as code in a cell sees it. */
export interface CommMessage {
  /** The message's `data`. */
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  /** The raw buffers, in order, sharing the received frames' memory. */
  readonly buffers: readonly Uint8Array[];
  /** The message's msg_id ('' for a close made by the kernel side). */
  readonly msgId: string;
}

/**
 * Called for each message of a comm; a rejected promise is logged, never thrown into the kernel. Any other return
 * value is ignored: the result is `unknown` so that one-line handlers returning something (another handler's
 * remover, a Set's add) type-check.
 */
export type CommHandler = (msg: CommMessage) => unknown;

/** What a comm needs from the kernel: send its messages, forget it when closed, report handler failures. */
export interface CommLink {
  publish(msgType: 'comm_open' | 'comm_msg' | 'comm_close', content: JsonObject, metadata: JsonObject, buffers: readonly BinaryLike[]): void;
  closed(comm: Comm): void;
  failed(comm: Comm, what: string, error: unknown): void;
}

interface State {
  readonly link: CommLink;
  closed: boolean;
  readonly onMsg: Set<CommHandler>;
  readonly onClose: Set<CommHandler>;
}

// Kept outside the class so that delivering messages is not part of the public Comm API.
const states = new WeakMap<Comm, State>();
const stateOf = (comm: Comm): State => states.get(comm) as State;

/** One open comm. */
export class Comm {
  /** Made by openComm (kernel side) or by the kernel for a front end's comm_open. */
  constructor(
    /** The comm_id (a model id, for widgets). */
    readonly id: string,
    /** The target name it was opened on. */
    readonly target: string,
    link: CommLink,
  ) {
    states.set(this, { link, closed: false, onMsg: new Set(), onClose: new Set() });
  }

  /** True once either side closed it. */
  get closed(): boolean {
    return stateOf(this).closed;
  }

  /** Sends a comm_msg; buffers go as raw frames (not copied: leave them unchanged). Throws CommClosedError once closed. */
  send(data: JsonObject = {}, metadata: JsonObject = {}, buffers: readonly BinaryLike[] = []): void {
    const s = stateOf(this);
    if (s.closed) throw new CommClosedError(`comm ${this.id} (target '${this.target}') is closed`);
    s.link.publish('comm_msg', { comm_id: this.id, data }, metadata, buffers);
  }

  /** Calls `handler` for each comm_msg from the front end; returns a function that removes it. */
  onMsg(handler: CommHandler): () => void {
    const set = stateOf(this).onMsg;
    set.add(handler);
    return () => void set.delete(handler);
  }

  /** Calls `handler` once when the comm closes, from either side; returns a function that removes it. */
  onClose(handler: CommHandler): () => void {
    const set = stateOf(this).onClose;
    set.add(handler);
    return () => void set.delete(handler);
  }

  /** Closes the comm (sends comm_close); closing a closed comm does nothing. */
  close(data: JsonObject = {}, metadata: JsonObject = {}, buffers: readonly BinaryLike[] = []): void {
    const s = stateOf(this);
    if (s.closed) return;
    s.link.publish('comm_close', { comm_id: this.id, data }, metadata, buffers);
    finish(this, { data, metadata, buffers: [], msgId: '' });
  }
}

/** Hands a front-end comm_msg to the comm's handlers, in the order they were added. */
export function deliverMessage(comm: Comm, msg: CommMessage): void {
  const s = stateOf(comm);
  if (s.closed) return;
  for (const h of [...s.onMsg]) call(comm, 'onMsg handler', h, msg);
}

/** Marks the comm closed by the front end and runs its close handlers. */
export function deliverClose(comm: Comm, msg: CommMessage): void {
  finish(comm, msg);
}

function finish(comm: Comm, msg: CommMessage): void {
  const s = stateOf(comm);
  if (s.closed) return;
  s.closed = true;
  const closers = [...s.onClose];
  s.onMsg.clear();
  s.onClose.clear();
  s.link.closed(comm);
  for (const c of closers) call(comm, 'onClose handler', c, msg);
}

function call(comm: Comm, what: string, h: CommHandler, msg: CommMessage): void {
  const report = (e: unknown): void => stateOf(comm).link.failed(comm, what, e);
  try {
    const r = h(msg);
    if (r instanceof Promise) r.catch(report);
  } catch (e) {
    report(e);
  }
}
