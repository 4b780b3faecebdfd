/**
 * The kernel's comm registry: open comms by id, comm targets by name, and the handling of the front
 * end's comm_open / comm_msg / comm_close. Nothing a front end sends can throw out of here: unknown ids
 * and malformed content are logged and dropped, failing handlers are logged.
 */
import { randomUUID } from 'node:crypto';
import { BinaryLike, isJsonObject, JsonObject, toBuffer } from '../json';
import type { Log } from '../log';
import type { Header, Message } from '../wire/message';
import { Comm, CommLink, CommMessage, deliverClose, deliverMessage } from './comm';

/**
 * Called when the front end opens a comm on a registered target; the comm is open when it runs. A rejected promise
 * closes the comm and is logged; any other return value is ignored (`unknown`, so that
 * `(comm) => comm.onMsg(...)` type-checks: onMsg returns its remover).
 */
export type TargetHandler = (comm: Comm, open: CommMessage) => unknown;

/** What the registry needs from the kernel. */
export interface CommManagerDeps {
  /** Publishes a comm message on IOPub (parent: the calling code's request). */
  publish(msgType: 'comm_open' | 'comm_msg' | 'comm_close', content: JsonObject, metadata: JsonObject, buffers: readonly Buffer[]): void;
  /** Runs a handler with `parent` as its request (output and comm replies go there). */
  runHandler<T>(parent: Header, fn: () => T): T;
  /** True while cells are executing or queued: a target may be about to be registered by one of them. */
  busy(): boolean;
  /** Resolves when the cells executing or queued now have finished. */
  settled(): Promise<void>;
  log: Log;
}

/** Open comms and comm targets of one kernel. */
export class CommManager {
  private readonly comms = new Map<string, Comm>();
  private readonly targets = new Map<string, TargetHandler>();
  // comm_ids whose comm_open waits for a target; messages for them wait here, in order.
  private readonly opening = new Map<string, Message[]>();
  private readonly link: CommLink;

  constructor(private readonly deps: CommManagerDeps) {
    this.link = {
      publish: (type, content, metadata, buffers) => deps.publish(type, content, metadata, buffers.map(toBuffer)),
      closed: (comm) => void this.comms.delete(comm.id),
      failed: (comm, what, e) => deps.log.error(`comm ${comm.id} (target '${comm.target}'): ${what} failed: ${describe(e)}`),
    };
  }

  /** Opens a comm from the kernel side on the front end's `target`. */
  open(target: string, data: JsonObject = {}, metadata: JsonObject = {}, buffers: readonly BinaryLike[] = [], id: string = randomUUID()): Comm {
    if (this.comms.has(id)) throw new Error(`a comm with id ${id} is already open`);
    const comm = new Comm(id, target, this.link);
    this.comms.set(id, comm);
    this.link.publish('comm_open', { comm_id: id, target_name: target, data }, metadata, buffers);
    return comm;
  }

  /** Registers (or replaces) the handler of comms the front end opens on `name`. */
  registerTarget(name: string, handler: TargetHandler): void {
    this.targets.set(name, handler);
  }

  /** Removes a target; comms already open on it stay open. */
  unregisterTarget(name: string): boolean {
    return this.targets.delete(name);
  }

  /** The open comm `id`, if any. */
  get(id: string): Comm | undefined {
    return this.comms.get(id);
  }

  /** The comm_info_reply content: open comms, only those on `targetName` when given. */
  info(targetName?: string): JsonObject {
    const comms: JsonObject = {};
    for (const c of this.comms.values()) if (targetName === undefined || c.target === targetName) comms[c.id] = { target_name: c.target };
    return { status: 'ok', comms };
  }

  /** Handles a comm_open, comm_msg or comm_close from the front end. */
  handle(msg: Message): void {
    const id = msg.content.comm_id;
    if (typeof id !== 'string' || id === '') {
      this.deps.log.warn(`${msg.header.msg_type} without a comm_id string: dropped`);
      return;
    }
    const waiting = this.opening.get(id);
    if (waiting && msg.header.msg_type !== 'comm_open') {
      waiting.push(msg);
      return;
    }
    if (msg.header.msg_type === 'comm_open') this.handleOpen(id, msg);
    else if (msg.header.msg_type === 'comm_msg') this.handleMsg(id, msg);
    else this.handleClose(id, msg);
  }

  private handleOpen(id: string, msg: Message): void {
    const target = msg.content.target_name;
    if (typeof target !== 'string') {
      this.deps.log.warn(`comm_open ${id} without a target_name string: dropped`);
      return;
    }
    if (this.comms.has(id) || this.opening.has(id)) {
      this.deps.log.warn(`comm_open for comm ${id}, which is already open: dropped`);
      return;
    }
    if (this.targets.has(target) || !this.deps.busy()) {
      this.openFromFrontEnd(id, target, msg);
      return;
    }
    // Cells sent before this comm_open may register the target: wait for them, holding this comm's messages.
    this.opening.set(id, []);
    void this.deps.settled().then(() => {
      const held = this.opening.get(id) ?? [];
      this.opening.delete(id);
      this.openFromFrontEnd(id, target, msg);
      for (const m of held) this.handle(m);
    });
  }

  private openFromFrontEnd(id: string, target: string, msg: Message): void {
    const handler = this.targets.get(target);
    if (!handler) {
      this.deps.log.warn(`comm_open ${id} on unknown target '${target}': closed`);
      this.deps.runHandler(msg.header, () => this.link.publish('comm_close', { comm_id: id, data: {} }, {}, []));
      return;
    }
    const comm = new Comm(id, target, this.link);
    this.comms.set(id, comm);
    this.deps.runHandler(msg.header, () => {
      const fail = (e: unknown): void => {
        this.deps.log.error(`comm ${id}: target '${target}' handler failed, comm closed: ${describe(e)}`);
        comm.close();
      };
      try {
        const r = handler(comm, commMessage(msg));
        if (r instanceof Promise) r.catch(fail);
      } catch (e) {
        fail(e);
      }
    });
  }

  private handleMsg(id: string, msg: Message): void {
    const comm = this.comms.get(id);
    if (!comm) {
      this.deps.log.warn(`comm_msg for unknown comm ${id}: dropped`);
      return;
    }
    this.deps.runHandler(msg.header, () => deliverMessage(comm, commMessage(msg)));
  }

  private handleClose(id: string, msg: Message): void {
    const comm = this.comms.get(id);
    if (!comm) {
      this.deps.log.warn(`comm_close for unknown comm ${id}: dropped`);
      return;
    }
    this.deps.runHandler(msg.header, () => deliverClose(comm, commMessage(msg)));
  }
}

/** The cell-facing view of a front-end comm message. */
function commMessage(msg: Message): CommMessage {
  const data = msg.content.data;
  return { data: isJsonObject(data) ? data : {}, metadata: msg.metadata, buffers: msg.buffers, msgId: msg.header.msg_id };
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
}
