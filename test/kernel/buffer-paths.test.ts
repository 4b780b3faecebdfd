/** Widget state with bytes anywhere in it: split into JSON + buffer paths + buffers, and put back. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { putBuffers, removeBuffers, WidgetState } from '../../src/kernel/widgets/buffer-paths';

test('bytes under keys are removed, bytes in lists become null; the input is not changed', () => {
  const f = new Float32Array([1, 2]);
  const u = new Uint8Array([9]);
  const state: WidgetState = { a: 1, f, nested: { list: [u, 'x', { deep: new DataView(new ArrayBuffer(3)) }] } };
  const split = removeBuffers(state);
  assert.deepEqual(split.state, { a: 1, nested: { list: [null, 'x', {}] } });
  assert.deepEqual(split.bufferPaths, [['f'], ['nested', 'list', 0], ['nested', 'list', 2, 'deep']]);
  assert.equal(split.buffers[0], f);
  assert.equal(split.buffers[1], u);
  assert.equal(state.f, f, 'input state untouched');
});

test('putBuffers restores what removeBuffers took', () => {
  const split = removeBuffers({ v: new Uint8Array([1, 2]), l: [new Uint8Array([3]), 4] });
  const bytes = split.buffers.map((b) => new Uint8Array((b as Uint8Array).buffer.slice(0)));
  const back = putBuffers(JSON.parse(JSON.stringify(split.state)), split.bufferPaths, bytes);
  assert.deepEqual(back, { v: bytes[0], l: [bytes[1], 4] });
});

test('bad buffer paths are refused by name', () => {
  const b = [new Uint8Array(1)];
  assert.throws(() => putBuffers({}, 'x', b), /buffer_paths is not a list/);
  assert.throws(() => putBuffers({}, [['a'], ['b']], b), /2 buffer_paths for 1 buffers/);
  assert.throws(() => putBuffers({}, [[]], b), /not a non-empty list/);
  assert.throws(() => putBuffers({}, [['missing', 'key']], b), /leaves the state at 'missing'/);
  assert.deepEqual(putBuffers({}, undefined, []), {});
});
