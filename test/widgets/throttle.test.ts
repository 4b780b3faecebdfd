/** RedrawThrottle on a hand-driven clock: at most ~10 draws a second, the last request always drawn, backoff on slow draws. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedrawThrottle, ThrottleClock } from '../../widgets/src/render/throttle';

/** A clock whose time moves only when the test says; timers fire in order. */
class FakeClock implements ThrottleClock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimer(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
  }
}

describe('RedrawThrottle', () => {
  it('draws at most every 100 ms however fast requests come, and draws the last state', async () => {
    const clock = new FakeClock();
    const drawnAt: number[] = [];
    let state = 0;
    let shown = -1;
    const th = new RedrawThrottle(() => {
      drawnAt.push(clock.t);
      shown = state;
    }, { clock });
    for (let i = 1; i <= 1000; i++) {
      state = i;
      th.request(); // a batch every millisecond for a second
      await clock.advance(1);
    }
    await clock.advance(500);
    assert.ok(drawnAt.length <= 11 && drawnAt.length >= 9, `${drawnAt.length} draws`);
    for (let i = 1; i < drawnAt.length; i++) assert.ok(drawnAt[i] - drawnAt[i - 1] >= 100, `draws ${drawnAt[i - 1]} and ${drawnAt[i]} too close`);
    assert.equal(shown, 1000);
    assert.equal(th.stats.requests, 1000);
    assert.equal(th.busy, false);
  });

  it('draws the first request at once', async () => {
    const clock = new FakeClock();
    let draws = 0;
    const th = new RedrawThrottle(() => void draws++, { clock });
    th.request();
    await new Promise((r) => setImmediate(r));
    assert.equal(draws, 1);
  });

  it('waits twice a slow draw before the next one', async () => {
    const clock = new FakeClock();
    const starts: number[] = [];
    const th = new RedrawThrottle(() => {
      starts.push(clock.t);
      clock.t += 300; // a 300 ms draw (a big heatmap)
    }, { clock });
    th.request();
    await new Promise((r) => setImmediate(r));
    th.request();
    await clock.advance(2000);
    assert.deepEqual(starts, [0, 900]);
  });

  it('keeps working after a draw throws, and stops for good once disposed', async () => {
    const clock = new FakeClock();
    const errors: unknown[] = [];
    let calls = 0;
    const th = new RedrawThrottle(() => {
      calls++;
      if (calls === 1) throw new Error('plotly fell over');
    }, { clock, onError: (e) => errors.push(e) });
    th.request();
    await new Promise((r) => setImmediate(r));
    th.request();
    await clock.advance(200);
    assert.equal(calls, 2);
    assert.equal(errors.length, 1);
    th.dispose();
    th.request();
    await clock.advance(1000);
    assert.equal(calls, 2);
  });
});
