/** Resizing a plot that is not displayed: not attempted, and a refusal never becomes an unhandled rejection. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayed, resizeIfShown } from '../../widgets/src/render/resize';

interface FakeEl {
  isConnected: boolean;
  rects: number;
  getClientRects(): { length: number };
}
const el = (isConnected: boolean, rects: number): FakeEl => ({ isConnected, rects, getClientRects() { return { length: this.rects }; } });

/** Plotly's behaviour: resize rejects for a plot that is not displayed. */
function plotly(mode: 'ok' | 'reject' | 'throw') {
  const calls: FakeEl[] = [];
  return {
    calls,
    Plots: {
      resize(e: FakeEl): Promise<void> | void {
        calls.push(e);
        if (mode === 'throw') throw new Error('Resize must be passed a displayed plot div element.');
        if (mode === 'reject') return Promise.reject(new Error('Resize must be passed a displayed plot div element.'));
        return Promise.resolve();
      },
    },
  };
}

describe('resizeIfShown', () => {
  it('resizes a displayed plot, and leaves an undisplayed or detached one alone', async () => {
    const p = plotly('ok');
    const shown = el(true, 1);
    assert.equal(await resizeIfShown(p, shown, displayed), true);
    assert.equal(await resizeIfShown(p, el(true, 0), displayed), false, 'display: none above it: no boxes');
    assert.equal(await resizeIfShown(p, el(false, 1), displayed), false);
    assert.deepEqual(p.calls, [shown]);
  });

  it('swallows a rejection or a throw (the page would see an unhandled error otherwise)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      assert.equal(await resizeIfShown(plotly('reject'), el(true, 1), displayed), false);
      assert.equal(await resizeIfShown(plotly('throw'), el(true, 1), displayed), false);
      assert.equal(await resizeIfShown(plotly('ok'), el(true, 1), () => { throw new Error('detached'); }), false);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
