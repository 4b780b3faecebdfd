/** Request contexts: a cell's header and signal follow its async work; interrupts abort the latest cell. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Contexts } from '../../src/kernel/context';
import { newHeader } from '../../src/kernel/wire/message';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('code started by a cell keeps that cell\'s context after awaits and timers; stray code gets the latest cell', async () => {
  const c = new Contexts();
  const a = newHeader('execute_request', 's');
  const b = newHeader('execute_request', 's');
  const seen: string[] = [];
  const work = c.runCell(a, async () => {
    await tick(5);
    seen.push(c.current()?.parent.msg_id ?? 'none');
  });
  c.endCell();
  c.runCell(b, () => undefined);
  c.endCell();
  await work;
  assert.deepEqual(seen, [a.msg_id]);
  assert.equal(c.current()?.parent.msg_id, b.msg_id);
});

test('interrupt aborts the latest cell\'s signal and the comm handlers\' signal, not older cells\'', () => {
  const c = new Contexts();
  const first = c.runCell(newHeader('execute_request', 's'), () => c.current()?.signal);
  c.endCell();
  const second = c.runCell(newHeader('execute_request', 's'), () => c.current()?.signal);
  assert.ok(c.executingCell());
  const handler = c.runHandler(newHeader('comm_msg', 's'), () => c.current()?.signal);
  c.interrupt(new Error('stop'));
  assert.equal(second?.aborted, true);
  assert.equal((second?.reason as Error).message, 'stop');
  assert.equal(handler?.aborted, true);
  assert.equal(first?.aborted, false);
  const later = c.runHandler(newHeader('comm_msg', 's'), () => c.current()?.signal);
  assert.equal(later?.aborted, false, 'handlers after the interrupt get a fresh signal');
});
