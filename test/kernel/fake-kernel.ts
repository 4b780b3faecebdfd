/** A comm registry wired to recorders instead of sockets: what it publishes and logs, and front-end messages to feed it. */
import { randomUUID } from 'node:crypto';
import { CommManager } from '../../src/kernel/comms/manager';
import type { JsonObject } from '../../src/kernel/json';
import type { Log } from '../../src/kernel/log';
import { Header, Message, newHeader } from '../../src/kernel/wire/message';

/** One message the registry published. */
export interface Published {
  type: string;
  content: JsonObject;
  metadata: JsonObject;
  buffers: readonly Buffer[];
  parent: Header | undefined;
}

/** A CommManager with recorders. */
export interface FakeKernel {
  comms: CommManager;
  published: Published[];
  logs: string[];
  log: Log;
  /** Set to make the registry believe cells are running; resolve `settle` to finish them. */
  busy: boolean;
  settle: () => void;
  /** A front-end message of `type`, as the wire would decode it. */
  frontEnd(type: string, content: JsonObject, buffers?: Buffer[], metadata?: JsonObject): Message;
}

export function fakeKernel(): FakeKernel {
  const published: Published[] = [];
  const logs: string[] = [];
  const log: Log = { info: (m) => logs.push(`INFO ${m}`), warn: (m) => logs.push(`WARN ${m}`), error: (m) => logs.push(`ERROR ${m}`) };
  let parent: Header | undefined;
  let release: () => void = () => undefined;
  let settled = new Promise<void>((r) => (release = r));
  const fake: FakeKernel = {
    published,
    logs,
    log,
    busy: false,
    settle: () => {
      fake.busy = false;
      release();
      settled = new Promise<void>((r) => (release = r));
    },
    comms: new CommManager({
      publish: (type, content, metadata, buffers) => published.push({ type, content, metadata, buffers, parent }),
      runHandler: <T>(p: Header, fn: () => T): T => {
        const before = parent;
        parent = p;
        try {
          return fn();
        } finally {
          parent = before;
        }
      },
      busy: () => fake.busy,
      settled: () => settled,
      log,
    }),
    frontEnd: (type, content, buffers = [], metadata = {}) => ({ identities: [], header: { ...newHeader(type, 'front-end'), msg_id: randomUUID() }, parent: {}, metadata, content, buffers }),
  };
  return fake;
}

/** Lets pending promise callbacks run. */
export function flush(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
