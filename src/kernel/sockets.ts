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

/** Serialises the sends of one socket: zeromq.js allows one pending send per socket at a time. */
export class Outbox {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: ZmqSocket,
    private readonly log: Log,
  ) {}

  /** Queues `frames`; failures are logged (a reply that cannot be sent has nobody else to tell). */
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(
      () => this.socket.send(frames),
      () => this.socket.send(frames),
    );
    this.tail.catch((e: unknown) => this.log.error(`send failed: ${String(e)}`));
    return this.tail;
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
