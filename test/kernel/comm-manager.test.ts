/** The comm registry: both directions, targets, comm_info, closing, and front-end input that must never throw. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CommMessage } from '../../src/kernel/comms/comm';
import { CommClosedError } from '../../src/kernel/errors';
import { fakeKernel, flush } from './fake-kernel';

test('a kernel-side comm publishes comm_open with raw buffers that share the caller\'s memory', () => {
  const k = fakeKernel();
  const f = new Float32Array([1.5, -2]);
  const comm = k.comms.open('plot', { a: 1 }, { v: '1' }, [f]);
  const [open] = k.published;
  assert.equal(open.type, 'comm_open');
  assert.deepEqual(open.content, { comm_id: comm.id, target_name: 'plot', data: { a: 1 } });
  assert.deepEqual(open.metadata, { v: '1' });
  assert.equal(open.buffers[0].buffer, f.buffer);
  assert.equal(open.buffers[0].byteLength, 8);
  comm.send({ b: 2 }, {}, [new DataView(new ArrayBuffer(3))]);
  assert.equal(k.published[1].type, 'comm_msg');
  assert.deepEqual(k.published[1].content, { comm_id: comm.id, data: { b: 2 } });
  assert.deepEqual(k.comms.info(), { status: 'ok', comms: { [comm.id]: { target_name: 'plot' } } });
});

test('a front-end comm_open reaches its target; messages both ways; comm_close runs the close handlers', () => {
  const k = fakeKernel();
  const seen: CommMessage[] = [];
  const closed: CommMessage[] = [];
  k.comms.registerTarget('echo', (comm, open) => {
    seen.push(open);
    comm.onMsg((m) => {
      seen.push(m);
      comm.send({ echo: m.data }, {}, m.buffers);
    });
    comm.onClose((m) => void closed.push(m));
  });
  const open = k.frontEnd('comm_open', { comm_id: 'c1', target_name: 'echo', data: { hi: 1 } }, [Buffer.from('x')]);
  k.comms.handle(open);
  assert.deepEqual(seen[0].data, { hi: 1 });
  assert.equal(Buffer.from(seen[0].buffers[0]).toString(), 'x');
  const msg = k.frontEnd('comm_msg', { comm_id: 'c1', data: { n: 2 } }, [Buffer.from([1, 2, 3])]);
  k.comms.handle(msg);
  const reply = k.published.at(-1);
  assert.equal(reply?.type, 'comm_msg');
  assert.deepEqual(reply?.content, { comm_id: 'c1', data: { echo: { n: 2 } } });
  assert.equal(reply?.buffers[0], msg.buffers[0], 'the echo sends the received frame, not a copy');
  assert.equal(reply?.parent?.msg_id, msg.header.msg_id, 'replies go to the message that caused them');
  assert.deepEqual(k.comms.info('echo').comms, { c1: { target_name: 'echo' } });
  assert.deepEqual(k.comms.info('other').comms, {});
  k.comms.handle(k.frontEnd('comm_close', { comm_id: 'c1', data: { bye: true } }));
  assert.deepEqual(closed.map((c) => c.data), [{ bye: true }]);
  assert.deepEqual(k.comms.info().comms, {});
  const comm = k.comms.get('c1');
  assert.equal(comm, undefined);
});

test('sending on a closed comm throws CommClosedError; closing twice sends one comm_close', () => {
  const k = fakeKernel();
  const comm = k.comms.open('t');
  let closes = 0;
  comm.onClose(() => void closes++);
  comm.close({ why: 'done' });
  comm.close();
  assert.equal(k.published.filter((p) => p.type === 'comm_close').length, 1);
  assert.equal(closes, 1);
  assert.throws(() => comm.send({}), CommClosedError);
});

test('unknown comm ids, missing fields and unknown targets are logged, never thrown; an unknown target gets a comm_close', () => {
  const k = fakeKernel();
  k.comms.handle(k.frontEnd('comm_msg', { comm_id: 'nope', data: {} }));
  k.comms.handle(k.frontEnd('comm_close', { comm_id: 'nope' }));
  k.comms.handle(k.frontEnd('comm_msg', { data: {} }));
  k.comms.handle(k.frontEnd('comm_open', { comm_id: 'x' }));
  k.comms.handle(k.frontEnd('comm_open', { comm_id: 'y', target_name: 'nobody' }));
  const expected = [/comm_msg for unknown comm nope: dropped/, /comm_close for unknown comm nope: dropped/, /comm_msg without a comm_id/, /comm_open x without a target_name/, /comm_open y on unknown target 'nobody': closed/];
  assert.equal(k.logs.length, expected.length);
  expected.forEach((re, i) => assert.match(k.logs[i], re));
  assert.deepEqual(k.published.map((p) => [p.type, p.content.comm_id]), [['comm_close', 'y']]);
});

test('failing handlers are logged; a failing target handler closes its comm', async () => {
  const k = fakeKernel();
  k.comms.registerTarget('bad-open', () => {
    throw new Error('open failed');
  });
  k.comms.registerTarget('bad-msg', (comm) => {
    comm.onMsg(() => {
      throw new Error('sync failure');
    });
    comm.onMsg(async () => {
      throw new Error('async failure');
    });
  });
  k.comms.handle(k.frontEnd('comm_open', { comm_id: 'a', target_name: 'bad-open' }));
  assert.deepEqual(k.published.map((p) => [p.type, p.content.comm_id]), [['comm_close', 'a']]);
  k.comms.handle(k.frontEnd('comm_open', { comm_id: 'b', target_name: 'bad-msg' }));
  k.comms.handle(k.frontEnd('comm_msg', { comm_id: 'b', data: {} }));
  await flush();
  const errors = k.logs.filter((l) => l.startsWith('ERROR'));
  assert.equal(errors.length, 3);
  assert.match(errors[0], /target 'bad-open' handler failed, comm closed: Error: open failed/);
  assert.match(errors.join('\n'), /onMsg handler failed: Error: sync failure/);
  assert.match(errors.join('\n'), /onMsg handler failed: Error: async failure/);
  assert.ok(k.comms.get('b'), 'a failing message handler leaves the comm open');
});

test('a comm_open for a target not yet registered waits for the running cells, holding its messages in order', async () => {
  const k = fakeKernel();
  k.busy = true;
  const got: string[] = [];
  k.comms.handle(k.frontEnd('comm_open', { comm_id: 'late', target_name: 'later', data: {} }));
  k.comms.handle(k.frontEnd('comm_msg', { comm_id: 'late', data: { n: 1 } }));
  k.comms.handle(k.frontEnd('comm_msg', { comm_id: 'late', data: { n: 2 } }));
  // The cell that registers the target runs now.
  k.comms.registerTarget('later', (comm) => {
    got.push('open');
    comm.onMsg((m) => void got.push(`msg ${String(m.data.n)}`));
  });
  await flush();
  assert.deepEqual(got, [], 'nothing is delivered while cells run');
  k.settle();
  await flush();
  assert.deepEqual(got, ['open', 'msg 1', 'msg 2']);
});
