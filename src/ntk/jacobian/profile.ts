/**
 * Wall-clock time by part of the Jacobian method ('<layer>:pass', '<layer>:form', '<label>:contract'), for
 * bench/jacobian's per-layer table. Off unless a caller starts it: then the cost is one clock read per op.
 */

let times: Map<string, number> | null = null;

/** Starts collecting (clearing what was collected). */
export function startProfile(): void {
  times = new Map();
}

/** Stops collecting; returns seconds by key. */
export function stopProfile(): Map<string, number> {
  const t = times ?? new Map<string, number>();
  times = null;
  return t;
}

/** Adds `seconds` under `key` while a profile runs. */
export function addTime(key: string, seconds: number): void {
  if (times) times.set(key, (times.get(key) ?? 0) + seconds);
}

/** Runs fn, timing it under `key` while a profile runs. */
export function profiled<T>(key: string, fn: () => T): T {
  if (!times) return fn();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    addTime(key, (performance.now() - t0) / 1000);
  }
}

/** Async variant of `profiled`. */
export async function profiledAsync<T>(key: string, fn: () => Promise<T>): Promise<T> {
  if (!times) return fn();
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    addTime(key, (performance.now() - t0) / 1000);
  }
}
