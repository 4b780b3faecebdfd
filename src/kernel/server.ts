/**
 * The wire server: reads the shell and control ROUTER sockets, authenticates and decodes each message
 * (a bad signature, a replayed signature or frames that are no message are logged and dropped, never
 * executed; a signed request with malformed content is handed on to be answered with an error), hands it
 * to the dispatcher, and sends replies back to the requester's identities. Also echoes heartbeats.
 */
import type { JsonObject } from './json';
import type { Log } from './log';
import { Outbox, Sockets, ZmqSocket } from './sockets';
import { decode, encode, WireError } from './wire/framing';
import { Message, newHeader } from './wire/message';
import { DigestHistory } from './wire/replay';
import type { Signer } from './wire/signature';

/** The channels requests arrive on. */
export type RequestChannel = 'shell' | 'control';

/** Receives each authenticated request. */
export type Dispatch = (req: Message, channel: RequestChannel) => void;

/** Receives a signed request whose content could not be read (its content is {}), with the reason. */
export type Refuse = (req: Message, channel: RequestChannel, reason: string) => void;

/** How long a drain (see drained) may take: a sender that never stops must not keep the kernel aborting. */
const DRAIN_LIMIT_MS = 1000;
/** Turns without a message that end a drain: messages ZeroMQ holds are read within one poll phase. */
const QUIET_TURNS = 2;

/** Reads requests and sends replies. */
export class KernelServer {
  private readonly outboxes: Record<RequestChannel, Outbox>;
  private readonly origin = new WeakMap<Message, RequestChannel>();
  // One history for both channels, as jupyter_client's Session has one for all its sockets.
  private readonly digests = new DigestHistory();
  // Messages read from shell so far (see drained).
  private shellReads = 0;

  constructor(
    private readonly sockets: Sockets,
    private readonly signer: Signer,
    private readonly session: string,
    private readonly log: Log,
  ) {
    this.outboxes = { shell: new Outbox(sockets.shell, log), control: new Outbox(sockets.control, log) };
  }

  /** Starts reading shell and control (each message is dispatched as it arrives) and echoing heartbeats. */
  listen(dispatch: Dispatch, refuse: Refuse): void {
    for (const channel of ['shell', 'control'] as const) void this.read(this.sockets[channel], channel, dispatch, refuse);
    void this.heartbeat();
  }

  /**
   * Resolves once the shell reader has gone QUIET_TURNS event-loop turns without a message: what arrived
   * while a synchronous cell kept the reader from running has then been read and dispatched. At most
   * DRAIN_LIMIT_MS. (Asking the socket whether it is readable would read ZMQ_EVENTS, which consumes the
   * edge-triggered notification zeromq.js waits for: its reader would then never wake again.)
   */
  async drained(): Promise<void> {
    const until = Date.now() + DRAIN_LIMIT_MS;
    const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
    for (let quiet = 0, seen = this.shellReads; quiet < QUIET_TURNS && Date.now() < until; ) {
      await turn();
      quiet = this.shellReads === seen ? quiet + 1 : 0;
      seen = this.shellReads;
    }
  }

  /** Replies to `req` on the channel it came from. */
  reply(req: Message, msgType: string, content: JsonObject, metadata: JsonObject = {}): Promise<void> {
    const channel = this.origin.get(req) ?? 'shell';
    const frames = encode({ header: newHeader(msgType, this.session), parent: req.header, metadata, content, buffers: [] }, this.signer, req.identities);
    return this.outboxes[channel].send(frames);
  }

  private async read(socket: ZmqSocket, channel: RequestChannel, dispatch: Dispatch, refuse: Refuse): Promise<void> {
    try {
      for await (const frames of socket) {
        if (channel === 'shell') this.shellReads++;
        let msg: Message;
        try {
          msg = decode(frames, this.signer, this.digests);
        } catch (e) {
          if (!(e instanceof WireError)) {
            this.log.error(`${channel}: dropped a message that could not be decoded: ${describe(e)}`);
            continue;
          }
          if (!e.request) {
            this.log.warn(`${channel}: dropped a message: ${DROPPED[e.reason]}${e.reason === 'signature' ? '' : `: ${e.message}`}`);
            continue;
          }
          const req: Message = { ...e.request, parent: {}, metadata: {}, content: {}, buffers: [] };
          const reason = e.message;
          this.log.warn(`${channel}: malformed ${req.header.msg_type} ${req.header.msg_id}: ${reason} (not run; a request gets an error reply)`);
          this.handOn(req, channel, () => refuse(req, channel, reason));
          continue;
        }
        this.handOn(msg, channel, () => dispatch(msg, channel));
      }
    } catch (e) {
      // The loop ends when the socket closes at shutdown; anything else is worth a line in the log.
      if (!/closed|ETERM/i.test(String(e))) this.log.error(`${channel}: receive loop ended: ${String(e)}`);
    }
  }

  // Remembers where `msg` came from (its reply goes back there) and runs `serve`; nothing it throws stops the reader.
  private handOn(msg: Message, channel: RequestChannel, serve: () => void): void {
    this.origin.set(msg, channel);
    try {
      serve();
    } catch (e) {
      this.log.error(`${channel}: ${msg.header.msg_type} failed: ${describe(e)}`);
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

/** The log's words for each reason a message is dropped. */
const DROPPED: Record<WireError['reason'], string> = {
  signature: 'invalid signature (not executed)',
  replay: 'replayed signature, already accepted once (not executed)',
  malformed: 'malformed',
};

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
