/**
 * The kernel's five ZeroMQ sockets. zeromq is loaded from tslab's own dependencies (not a second copy):
 * tslab ships it with prebuilt binaries, and one native zeromq per process is what it is built for.
 */
import { createRequire } from 'node:module';
import { ConnectionInfo, endpoint } from './connection';
import type { Log } from './log';

/** The part of a zeromq.js socket the kernel uses. */
export interface ZmqSocket extends AsyncIterable<Buffer[]> {
  bind(address: string): Promise<void>;
  send(frames: Buffer[]): Promise<void>;
  close(): void;
  linger: number;
}

interface ZmqModule {
  Router: new () => ZmqSocket;
  Publisher: new () => ZmqSocket;
  Reply: new () => ZmqSocket;
}

/**
 * The sends of one socket, in order. A message goes to ZeroMQ at once, synchronously, whenever ZeroMQ
 * takes it (zeromq.js queues it at once when the socket is writable), so that ZeroMQ's own I/O thread
 * delivers it even while a synchronous cell then keeps JavaScript busy: execute_input and busy must reach
 * the front end before such a cell runs, or an interrupt cannot be aimed at it. zeromq.js refuses a send
 * (EBUSY) while an earlier one waits for the socket; those wait here, in order, until it is done.
 */
export class Outbox {
  private readonly waiting: { frames: Buffer[]; done: () => void }[] = [];
  // Settles when the latest send ZeroMQ took is done (sent or failed).
  private last: Promise<void> = Promise.resolve();
  private flushScheduled = false;

  constructor(
    readonly socket: ZmqSocket,
    private readonly log: Log,
  ) {}

  /** Sends `frames`; resolves when sent, or failed: failures are logged (a reply that cannot be sent has nobody else to tell). */
  send(frames: Buffer[]): Promise<void> {
    return new Promise((done) => {
      if (this.waiting.length === 0 && this.offer(frames, done)) return;
      this.waiting.push({ frames, done });
      this.scheduleFlush();
    });
  }

  // Hands `frames` to ZeroMQ; false when it is busy with an earlier send (nothing was sent).
  private offer(frames: Buffer[], done: () => void): boolean {
    let sent: Promise<void>;
    try {
      sent = this.socket.send(frames);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'EBUSY') return false;
      this.log.error(`send failed: ${String(e)}`);
      done();
      return true;
    }
    this.last = sent.catch((e: unknown) => this.log.error(`send failed: ${String(e)}`)).finally(done);
    return true;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    void this.last.then(() => {
      this.flushScheduled = false;
      while (this.waiting.length > 0) {
        const next = this.waiting[0];
        if (!this.offer(next.frames, next.done)) {
          this.scheduleFlush();
          return;
        }
        this.waiting.shift();
      }
    });
  }
}

/** The bound sockets of one kernel. */
export interface Sockets {
  shell: ZmqSocket;
  control: ZmqSocket;
  stdin: ZmqSocket;
  iopub: ZmqSocket;
  hb: ZmqSocket;
}

function loadZmq(): ZmqModule {
  const fromTslab = createRequire(require.resolve('tslab/package.json'));
  return fromTslab('zeromq') as ZmqModule;
}

/** Creates and binds the sockets of `info`; rejects naming the endpoint that could not be bound. */
export async function bindSockets(info: ConnectionInfo): Promise<Sockets> {
  const zmq = loadZmq();
  const s: Sockets = { shell: new zmq.Router(), control: new zmq.Router(), stdin: new zmq.Router(), iopub: new zmq.Publisher(), hb: new zmq.Reply() };
  await Promise.all(
    (Object.keys(s) as (keyof Sockets)[]).map(async (ch) => {
      const addr = endpoint(info, ch);
      try {
        await s[ch].bind(addr);
      } catch (e) {
        throw new Error(`cannot bind the ${ch} channel to ${addr}: ${(e as Error).message}`);
      }
    }),
  );
  return s;
}

/** Closes every socket without lingering: at shutdown, queued messages to vanished peers must not hold the process. */
export function closeSockets(s: Sockets): void {
  for (const sock of Object.values(s) as ZmqSocket[]) {
    sock.linger = 0;
    sock.close();
  }
}
