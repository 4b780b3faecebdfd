/**
 * The IOPub channel: every side effect the front ends see (status, streams, displays, comm messages).
 * Stream text is coalesced until the event loop turns (a loop of console.log calls becomes one message),
 * and any other message first flushes it, so the front end sees output in the order the cell made it.
 */
import type { JsonObject } from './json';
import type { Contexts } from './context';
import type { Outbox } from './sockets';
import { encode } from './wire/framing';
import { Header, newHeader } from './wire/message';
import type { Signer } from './wire/signature';

/** Options of one published message. */
export interface PublishOptions {
  /** The request this message belongs to (default: the calling code's context). */
  parent?: Header;
  metadata?: JsonObject;
  buffers?: readonly Buffer[];
}

/** Flush pending stream text once it reaches this size, even before the event loop turns. */
const STREAM_FLUSH_BYTES = 64 * 1024;

interface PendingStream {
  parent: Header | undefined;
  name: 'stdout' | 'stderr';
  text: string;
}

/** Publishes messages on IOPub, signed, with the kernel's session. */
export class Iopub {
  private pending: PendingStream | undefined;
  private flushScheduled = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly signer: Signer,
    private readonly session: string,
    private readonly contexts: Contexts,
  ) {}

  /** Publishes `msgType` now, after any pending stream text. */
  publish(msgType: string, content: JsonObject, options: PublishOptions = {}): void {
    this.flush();
    this.send(msgType, content, options.parent ?? this.contexts.current()?.parent, options.metadata ?? {}, options.buffers ?? []);
  }

  /** Appends stream text for the calling code's request; sent when the event loop turns or the text grows large. */
  stream(name: 'stdout' | 'stderr', text: string, parent: Header | undefined = this.contexts.current()?.parent): void {
    if (text === '') return;
    const p = this.pending;
    if (p && (p.name !== name || p.parent?.msg_id !== parent?.msg_id)) this.flush();
    if (this.pending) this.pending.text += text;
    else this.pending = { parent, name, text };
    if (this.pending.text.length >= STREAM_FLUSH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Sends the pending stream text, if any. */
  flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.send('stream', { name: p.name, text: p.text }, p.parent, {}, []);
  }

  /** Publishes the kernel's execution state for the request `parent`. */
  status(state: 'busy' | 'idle' | 'starting', parent?: Header): void {
    this.publish('status', { execution_state: state }, { parent });
  }

  private send(msgType: string, content: JsonObject, parent: Header | undefined, metadata: JsonObject, buffers: readonly Buffer[]): void {
    const header = newHeader(msgType, this.session);
    void this.outbox.send(encode({ header, parent: parent ?? {}, metadata, content, buffers }, this.signer));
  }
}
