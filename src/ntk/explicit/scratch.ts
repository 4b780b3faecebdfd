/**
 * A small pool of float32 scratch arrays for the explicit method's temporaries (Gram blocks, activations).
 * Fresh multi-megabyte arrays cost page faults on first touch (~10 ms per 16 MB here), several times per layer;
 * reusing them is what lets the contraction run at BLAS speed. Arrays are released after a short idle time.
 */
const pool = new Map<number, Float32Array[]>();
let pooledBytes = 0;
let timer: NodeJS.Timeout | undefined;
const MAX_POOLED_BYTES = 512 * 2 ** 20;
const IDLE_RELEASE_MS = 2000;

/** A float32 array of exactly `length` elements with unspecified contents. */
export function takeScratch(length: number): Float32Array {
  const list = pool.get(length);
  const reused = list?.pop();
  if (reused) {
    pooledBytes -= reused.byteLength;
    return reused;
  }
  return new Float32Array(length);
}

/** Returns arrays to the pool; the caller must not use them afterwards. */
export function giveScratch(...arrays: Float32Array[]): void {
  for (const a of arrays) {
    if (a.byteOffset !== 0 || a.length !== a.buffer.byteLength / 4 || pooledBytes + a.byteLength > MAX_POOLED_BYTES) continue;
    let list = pool.get(a.length);
    if (!list) pool.set(a.length, (list = []));
    if (list.includes(a)) continue;
    list.push(a);
    pooledBytes += a.byteLength;
  }
  if (timer) clearTimeout(timer);
  timer = setTimeout(releaseScratch, IDLE_RELEASE_MS);
  timer.unref();
}

/** Drops every pooled array (they are then garbage-collected). */
export function releaseScratch(): void {
  pool.clear();
  pooledBytes = 0;
}
