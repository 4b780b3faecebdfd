/** The cell API outside the ntk-lab kernel (plain Node here): static output, no failures except for comms themselves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellSignal, commsAvailable, display, openComm, openWidget, registerTarget, CommUnavailableError } from '../../src/kernel';
import type { JsonObject } from '../../src/kernel/json';
import { setKernelRuntime } from '../../src/kernel/runtime';

function capture(fn: () => void): string[] {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    fn();
  } finally {
    console.log = original;
  }
  return lines;
}

test('outside a kernel: display prints text/plain, widgets show their fallback, comms throw a named error', () => {
  assert.equal(commsAvailable(), false);
  assert.deepEqual(capture(() => display({ 'text/plain': 'hello', 'text/html': '<b>hello</b>' })), ['hello']);
  assert.deepEqual(capture(() => display({ 'image/png': new Uint8Array([1]) })), ['[display: image/png]']);
  const w = openWidget({ modelName: 'Plot', modelModule: 'm', modelModuleVersion: '1', state: { n: 1 }, fallback: { 'text/plain': 'a static plot' } });
  assert.equal(w.live, false);
  w.set({ n: 2 });
  assert.equal(w.get('n'), 2);
  assert.deepEqual(capture(() => w.display()), ['a static plot']);
  assert.throws(() => openComm('t'), (e: unknown) => e instanceof CommUnavailableError && /npx ntk-lab install/.test(e.message));
  assert.throws(() => registerTarget('t', () => undefined), CommUnavailableError);
  assert.equal(cellSignal().aborted, false);
});

test('in a kernel: display content carries base64 bytes, a display id, and updates under that id', () => {
  const shown: [JsonObject, boolean][] = [];
  setKernelRuntime({ display: (c: JsonObject, u: boolean) => void shown.push([c, u]) } as never);
  try {
    const h = display({ 'image/png': new Uint8Array([0xff, 0]), 'text/plain': 'img' }, { metadata: { 'image/png': { width: 2 } } });
    h.update({ 'text/plain': 'new' });
    display({ 'text/plain': 'again' }, { displayId: h.displayId, update: true });
    assert.deepEqual(shown[0], [{ data: { 'image/png': '/wA=', 'text/plain': 'img' }, metadata: { 'image/png': { width: 2 } }, transient: { display_id: h.displayId } }, false]);
    assert.deepEqual(shown[1], [{ data: { 'text/plain': 'new' }, metadata: {}, transient: { display_id: h.displayId } }, true]);
    assert.equal(shown[2][1], true);
  } finally {
    setKernelRuntime(undefined);
  }
});
