/** IOPub: stream text is coalesced until the event loop turns, and flushed before any other message (order kept). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Contexts } from '../../src/kernel/context';
import { Iopub } from '../../src/kernel/iopub';
import type { Outbox } from '../../src/kernel/sockets';
import { decode } from '../../src/kernel/wire/framing';
import { newHeader } from '../../src/kernel/wire/message';
import { Signer } from '../../src/kernel/wire/signature';

test('many writes become one stream message; a display in between splits them in order', async () => {
  const signer = new Signer('k');
  const sent: Buffer[][] = [];
  const outbox = { send: (f: Buffer[]) => (sent.push(f), Promise.resolve()) } as unknown as Outbox;
  const contexts = new Contexts();
  const iopub = new Iopub(outbox, signer, 'session', contexts);
  const cell = newHeader('execute_request', 'client');
  contexts.runCell(cell, () => {
    for (let i = 0; i < 100; i++) iopub.stream('stdout', `${i}\n`);
    iopub.publish('display_data', { data: { 'text/plain': 'x' }, metadata: {}, transient: {} });
    iopub.stream('stdout', 'after\n');
    iopub.stream('stderr', 'err\n');
  });
  await new Promise((r) => setImmediate(r));
  const msgs = sent.map((f) => decode(f, signer));
  assert.deepEqual(
    msgs.map((m) => [m.header.msg_type, m.content.name ?? '']),
    [['stream', 'stdout'], ['display_data', ''], ['stream', 'stdout'], ['stream', 'stderr']],
  );
  assert.equal((msgs[0].content.text as string).split('\n').length, 101);
  assert.ok(msgs.every((m) => (m.parent as { msg_id: string }).msg_id === cell.msg_id));
});
