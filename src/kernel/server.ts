/**
 * The wire server: reads the shell and control ROUTER sockets, authenticates and decodes each message
 * (a bad signature or malformed frames are logged and dropped, never executed), hands it to the
 * dispatcher, and sends replies back to the requester's identities. Also echoes heartbeats.
 */
import type { JsonObject } from './json';
import type { Log } from './log';
import { Outbox, Sockets, ZmqSocket } from './sockets';
import { decode, encode, WireError } from './wire/framing';
import { Message, newHeader } from './wire/message';
import type { Signer } from './wire/signature';

/** The channels requests arrive on. */
export type RequestChannel = 'shell' | 'control';

/** Receives each authenticated request. */
export type Dispatch = (req: Message, channel: RequestChannel) => void;

/** Reads requests and sends replies. */
export class KernelServer {
  private readonly outboxes: Record<RequestChannel, Outbox>;
  private readonly origin = new WeakMap<Message, RequestChannel>();

  constructor(
    private readonly sockets: Sockets,
    private readonly signer: Signer,
    private readonly session: string,
    private readonly log: Log,
  ) {
    this.outboxes = { shell: new Outbox(sockets.shell, log), control: new Outbox(sockets.control, log) };
  }

  /** Starts reading shell and control (each message is dispatched as it arrives) and echoing heartbeats. */
  listen(dispatch: Dispatch): void {
    for (const channel of ['shell', 'control'] as const) void this.read(this.sockets[channel], channel, dispatch);
    void this.heartbeat();
  }

  /** Replies to `req` on the channel it came from. */
  reply(req: Message, msgType: string, content: JsonObject, metadata: JsonObject = {}): Promise<void> {
    const channel = this.origin.get(req) ?? 'shell';
    const frames = encode({ header: newHeader(msgType, this.session), parent: req.header, metadata, content, buffers: [] }, this.signer, req.identities);
    return this.outboxes[channel].send(frames);
  }

  private async read(socket: ZmqSocket, channel: RequestChannel, dispatch: Dispatch): Promise<void> {
    try {
      for await (const frames of socket) {
        let msg: Message;
        try {
          msg = decode(frames, this.signer);
        } catch (e) {
          if (!(e instanceof WireError)) throw e;
          this.log.warn(`${channel}: dropped a message: ${e.reason === 'signature' ? 'invalid signature (not executed)' : `malformed: ${e.message}`}`);
          continue;
        }
        this.origin.set(msg, channel);
        try {
          dispatch(msg, channel);
        } catch (e) {
          this.log.error(`${channel}: ${msg.header.msg_type} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
      }
    } catch (e) {
      // The loop ends when the socket closes at shutdown; anything else is worth a line in the log.
      if (!/closed|ETERM/i.test(String(e))) this.log.error(`${channel}: receive loop ended: ${String(e)}`);
    }
  }

  private async heartbeat(): Promise<void> {
    const hb = this.sockets.hb;
    try {
      for await (const frames of hb) await hb.send(frames);
    } catch {
      // Closed at shutdown.
    }
  }
}
