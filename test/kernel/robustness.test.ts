/**
 * What no message may do to the kernel (issue 16): wedge the cell queue, run twice, overflow the stack when
 * echoed; and the pieces that prevent it: header flattening and depth limits in the framing, the digest
 * history, the outbox, the queue's error handling and stop_on_error aborts, the parent watcher.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellOutcome } from '../../src/kernel/cell-outcome';
import { Contexts } from '../../src/kernel/context';
import { Executions, ExecuteDeps } from '../../src/kernel/execute';
import { History } from '../../src/kernel/history';
import type { Iopub } from '../../src/kernel/iopub';
import type { JsonObject } from '../../src/kernel/json';
import { nestedDeeperThan } from '../../src/kernel/json';
import type { Log } from '../../src/kernel/log';
import { watchParent } from '../../src/kernel/parent';
import { Outbox, ZmqSocket } from '../../src/kernel/sockets';
import { decode, WireError } from '../../src/kernel/wire/framing';
import { Message, newHeader } from '../../src/kernel/wire/message';
import { DigestHistory } from '../../src/kernel/wire/replay';
import { Signer } from '../../src/kernel/wire/signature';

const signer = new Signer('secret-key');
const DELIM = Buffer.from('<IDS|MSG>');
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const signed = (header: string, content = '{}', parent = '{}', metadata = '{}'): Buffer[] => {
  const parts = [header, parent, metadata, content].map((p) => Buffer.from(p));
  return [Buffer.from('peer'), DELIM, Buffer.from(signer.sign(parts)), ...parts];
};
const headerText = (extra = ''): string => JSON.stringify(newHeader('execute_request', 'client')).slice(0, -1) + extra + '}';

test('nestedDeeperThan walks without recursion, whatever the depth', () => {
  assert.equal(nestedDeeperThan(JSON.parse(deep(100_000)), 256), true);
  assert.equal(nestedDeeperThan(JSON.parse(deep(256)), 256), false);
  assert.equal(nestedDeeperThan({ a: [1, { b: 2 }] }, 3), false);
  assert.equal(nestedDeeperThan({ a: [1, { b: [] }] }, 3), true);
  assert.equal(nestedDeeperThan(new Array(1e6).fill(1), 1), false);
});

test('a header keeps its scalar fields only: one nested 5000 deep is echoed without overflowing the stack', () => {
  const msg = decode(signed(headerText(`, "deep": ${deep(5000)}, "n": 5`)), signer);
  assert.equal((msg.header as unknown as JsonObject).deep, undefined);
  assert.equal((msg.header as unknown as JsonObject).n, 5);
  assert.doesNotThrow(() => JSON.stringify(msg.header));
});

test('content or metadata nested deeper than 256 is refused, with the header kept so the request can be answered', () => {
  for (const [content, metadata] of [[`{"x": ${deep(300)}}`, '{}'], ['{}', `{"m": ${deep(5000)}}`]]) {
    assert.throws(
      () => decode(signed(headerText(), content, '{}', metadata), signer),
      (e: unknown) => e instanceof WireError && e.reason === 'malformed' && /nests deeper than 256/.test(e.message) && e.request?.header.msg_type === 'execute_request' && e.request.identities[0].toString() === 'peer',
    );
  }
  assert.throws(() => decode(signed(headerText(), 'NaN'), signer), (e: unknown) => e instanceof WireError && e.request !== undefined && /content is not JSON/.test(e.message));
});

test('a signature is accepted once: a replay is refused, also after a malformed first copy', () => {
  const history = new DigestHistory();
  const frames = signed(headerText());
  decode(frames, signer, history);
  assert.throws(() => decode(frames, signer, history), (e: unknown) => e instanceof WireError && e.reason === 'replay' && /execute_request/.test(e.message));
  const bad = signed(headerText(), 'not json');
  assert.throws(() => decode(bad, signer, history), (e: unknown) => e instanceof WireError && e.reason === 'malformed');
  assert.throws(() => decode(bad, signer, history), (e: unknown) => e instanceof WireError && e.reason === 'replay');
  // Forged signatures do not enter the history (a forger cannot push real digests out).
  const forged = [...frames.slice(0, 2), Buffer.from('0'.repeat(64)), ...frames.slice(3)];
  assert.throws(() => decode(forged, signer, history), (e: unknown) => e instanceof WireError && e.reason === 'signature');
  assert.equal(history.length, 2);
});

test('the digest history is bounded and forgets its oldest tenth', () => {
  const h = new DigestHistory(100);
  for (let i = 0; i < 101; i++) assert.equal(h.admit(`d${i}`), true);
  assert.equal(h.length, 91);
  assert.equal(h.admit('d0'), true, 'the oldest were forgotten');
  assert.equal(h.admit('d100'), false, 'the newest are remembered');
});

test('the outbox hands a message to ZeroMQ synchronously, and queues in order while ZeroMQ is busy', async () => {
  const sent: string[] = [];
  let pending: (() => void) | undefined;
  const socket = {
    send(frames: Buffer[]): Promise<void> {
      if (pending) throw Object.assign(new Error('busy'), { code: 'EBUSY' });
      sent.push(frames[0].toString());
      if (frames[0].toString() !== 'slow') return Promise.resolve();
      return new Promise<void>((r) => (pending = () => ((pending = undefined), r())));
    },
  } as unknown as ZmqSocket;
  const out = new Outbox(socket, { info() {}, warn() {}, error() {} });
  void out.send([Buffer.from('a')]);
  void out.send([Buffer.from('b')]);
  assert.deepEqual(sent, ['a', 'b'], 'sent before any await: a synchronous cell cannot hold them back');
  void out.send([Buffer.from('slow')]);
  const c = out.send([Buffer.from('c')]);
  void out.send([Buffer.from('d')]);
  assert.deepEqual(sent, ['a', 'b', 'slow']);
  (pending as unknown as () => void)();
  await c;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(sent, ['a', 'b', 'slow', 'c', 'd']);
});

/** An Executions queue on fakes: cells are functions, replies and IOPub are recorded. */
function queue(opts: { statusThrows?: number; drained?: () => Promise<void> } = {}) {
  const replies: [string, JsonObject][] = [];
  const iopub: string[] = [];
  const logs: string[] = [];
  let statusCalls = 0;
  const outcome = new CellOutcome();
  const cells = new Map<string, () => Promise<boolean>>();
  const log: Log = { info: () => undefined, warn: (m) => logs.push(m), error: (m) => logs.push(m) };
  const deps: ExecuteDeps = {
    execute: (code) => (cells.get(code) ?? (async () => true))(),
    outcome,
    iopub: {
      status: (state: string, parent?: { msg_id: string }) => {
        if (++statusCalls === opts.statusThrows) throw new RangeError('Maximum call stack size exceeded');
        iopub.push(`${state}:${parent?.msg_id}`);
      },
      publish: (type: string) => void iopub.push(type),
      stream: () => undefined,
      flush: () => undefined,
    } as unknown as Iopub,
    contexts: new Contexts(),
    history: new History(),
    reply: (req, content) => void replies.push([req.header.msg_id, content]),
    engine: 'test',
    drained: opts.drained ?? (() => Promise.resolve()),
    log,
  };
  const ex = new Executions(deps);
  const send = (id: string, code: string, content: JsonObject = {}): void => {
    const msg: Message = { identities: [], header: { ...newHeader('execute_request', 'c'), msg_id: id }, parent: {}, metadata: {}, content: { code, ...content }, buffers: [] };
    ex.enqueue(msg);
  };
  return { ex, send, replies, iopub, logs, cells, outcome };
}

test('a status that throws (the issue-16 wedge) is logged and answered, and the next cell still runs', async () => {
  const q = queue({ statusThrows: 1 });
  q.send('m1', 'first');
  q.send('m2', 'second');
  await q.ex.settled();
  assert.deepEqual(q.replies.map(([id, c]) => [id, c.status]), [['m1', 'error'], ['m2', 'ok']]);
  assert.equal(q.replies[0][1].ename, 'KernelError');
  assert.match(q.logs.join('\n'), /RangeError: Maximum call stack size exceeded/);
  assert.equal(q.ex.busy(), false);
});

test('stop_on_error: cells queued behind a failure, and those arriving until the socket is drained, are aborted; the error reply waits for the drain', async () => {
  let drain: () => void = () => undefined;
  const q = queue({ drained: () => new Promise((r) => (drain = r)) });
  q.cells.set('fail', async () => (q.outcome.record([new Error('boom')]), false));
  q.cells.set('slow', () => new Promise((r) => setTimeout(() => r(true), 20)));
  q.send('a', 'slow');
  q.send('b', 'fail');
  q.send('c', '1');
  await new Promise((r) => setTimeout(r, 60));
  q.send('d', '2'); // arrives while draining: queued before the failure was handled
  // The failure's reply waits for the drain: a client cannot yet send anything it would know to follow the error.
  assert.deepEqual(q.replies.map(([id, c]) => `${id}:${c.status}`), ['a:ok']);
  drain();
  await q.ex.settled();
  await new Promise((r) => setImmediate(r));
  q.send('e', '3'); // after the drain: runs
  q.send('f', 'fail', { stop_on_error: false });
  q.send('g', '4');
  await q.ex.settled();
  assert.deepEqual(
    q.replies.map(([id, c]) => `${id}:${c.status}`),
    ['a:ok', 'b:error', 'c:aborted', 'd:aborted', 'e:ok', 'f:error', 'g:ok'],
  );
  assert.deepEqual(q.replies.find(([id]) => id === 'c')?.[1], { status: 'aborted' });
  assert.deepEqual(q.replies.filter(([, c]) => c.status !== 'aborted').map(([, c]) => c.execution_count), [1, 2, 3, 4, 5]);
  assert.ok(q.iopub.includes('error'), 'the failure is published as an error message');
});

test('the parent watcher: exits when the direct parent changes, or (behind a launcher) when it becomes 1 or JPY_PARENT_PID dies', async () => {
  const watch = (env: NodeJS.ProcessEnv, ppids: number[], alive = () => true): Promise<string | undefined> =>
    new Promise((done) => {
      let i = 0;
      const stop = watchParent((why) => done(why), { env, ppid: () => ppids[Math.min(i++, ppids.length - 1)], alive, intervalMs: 1 });
      setTimeout(() => {
        stop();
        done(undefined);
      }, 100);
    });
  assert.match((await watch({ JPY_PARENT_PID: '500' }, [500, 500, 1])) ?? '', /parent process 500 is gone \(parent PID now 1\)/);
  assert.match((await watch({ JPY_PARENT_PID: '500' }, [500, 500, 77])) ?? '', /now 77/, 'a subreaper is a change too');
  assert.equal(await watch({ JPY_PARENT_PID: '500' }, [500]), undefined);
  assert.equal(await watch({ JPY_PARENT_PID: '500' }, [42, 42, 43]), undefined, 'behind a launcher, its own changes do not count');
  assert.match((await watch({ JPY_PARENT_PID: '500' }, [42, 1])) ?? '', /parent PID now 1/);
  assert.match((await watch({ JPY_PARENT_PID: '500' }, [42], () => false)) ?? '', /\(500\) is gone/);
  assert.equal(await watch({}, [1]), undefined, 'nothing watched without JPY_PARENT_PID');
  assert.equal(await watch({ JPY_PARENT_PID: '1' }, [1]), undefined);
});
