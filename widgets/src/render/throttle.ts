/**
 * Coalesces redraw requests: however fast batches arrive, the plot is drawn at most once per
 * `minIntervalMs` (100 ms: ~10 redraws a second), and never sooner after a draw than twice that draw's
 * own duration, so a plot that takes 300 ms to draw (a 2000 x 2000 heatmap) is not redrawn back to
 * back and the page stays responsive. The last request always gets its draw. The clock and timer are
 * injected so the Node tests can drive time by hand.
 */

/** Clock and timer (defaults: performance.now / setTimeout). */
export interface ThrottleClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Options of RedrawThrottle. */
export interface ThrottleOptions {
  /** Least time between the starts of two draws (default 100 ms). */
  minIntervalMs?: number;
  /** Least pause after a draw, as a multiple of its duration (default 2). */
  backoff?: number;
  clock?: ThrottleClock;
  /** Called when a draw throws or rejects (default: console.error); the throttle keeps working. */
  onError?: (error: unknown) => void;
}

const defaultClock: ThrottleClock = {
  now: () => (typeof performance !== 'undefined' ? performance.now() : Date.now()),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Runs `draw` for the latest request, no more often than the options allow. */
export class RedrawThrottle {
  private readonly minInterval: number;
  private readonly backoff: number;
  private readonly clock: ThrottleClock;
  private readonly onError: (e: unknown) => void;
  private dirty = false;
  private drawing = false;
  private timer: unknown = undefined;
  private lastStart = -Infinity;
  private lastDuration = 0;
  private disposed = false;
  /** Draws done and requests seen, for the widget's diagnostics and the tests. */
  readonly stats = { draws: 0, requests: 0 };

  constructor(
    private readonly draw: () => void | Promise<void>,
    options: ThrottleOptions = {},
  ) {
    this.minInterval = options.minIntervalMs ?? 100;
    this.backoff = options.backoff ?? 2;
    this.clock = options.clock ?? defaultClock;
    this.onError = options.onError ?? ((e) => console.error('ntk-lab-widgets: redraw failed', e));
  }

  /** Asks for a redraw; it happens now if allowed, else at the earliest allowed time. */
  request(): void {
    if (this.disposed) return;
    this.stats.requests++;
    this.dirty = true;
    this.schedule();
  }

  /** Earliest time the next draw may start. */
  nextAllowed(): number {
    return this.lastStart + Math.max(this.minInterval, this.lastDuration * (1 + this.backoff));
  }

  /** True while a draw is pending or running. */
  get busy(): boolean {
    return this.dirty || this.drawing;
  }

  /** Stops all future draws (the view is gone). */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.drawing || this.timer !== undefined || !this.dirty) return;
    const wait = this.nextAllowed() - this.clock.now();
    if (wait <= 0) void this.run();
    else
      this.timer = this.clock.setTimer(() => {
        this.timer = undefined;
        void this.run();
      }, wait);
  }

  private async run(): Promise<void> {
    if (this.disposed || !this.dirty) return;
    this.dirty = false;
    this.drawing = true;
    const start = this.clock.now();
    this.lastStart = start;
    try {
      await this.draw();
    } catch (e) {
      this.onError(e);
    } finally {
      this.lastDuration = this.clock.now() - start;
      this.drawing = false;
      this.stats.draws++;
    }
    this.schedule();
  }
}
