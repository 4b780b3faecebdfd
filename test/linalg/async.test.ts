/**
 * The notebook-cell scenario: a multi-second eigen-decomposition runs through eighAsync while a timer
 * on the event loop keeps firing, i.e. the kernel stays responsive (addon: libuv thread pool;
 * fallback: worker thread).
 */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { eighAsync, matrix } from '../../src/linalg';
import { eigResidual, forEachImpl, maxAbs, rng } from './helpers';

/** A random symmetric n x n matrix, built in O(n^2). */
function randomSymmetric(n: number, seed: number) {
  const r = rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r();
  return matrix(n, n, a);
}

forEachImpl('event loop during eighAsync', (impl) => {
  // Sized for roughly 2-3 s on a 2-core machine: dsyevd with vectors at n = 3000, TypeScript QL at n = 800.
  const n = impl === 'openblas' ? 3000 : 800;
  it(`a 10 ms timer keeps ticking during eighAsync(n = ${n}, vectors)`, async (t) => {
    const a = randomSymmetric(n, 42);
    const ticks: number[] = [];
    const t0 = performance.now();
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    let r: Awaited<ReturnType<typeof eighAsync>> | undefined;
    try {
      r = await eighAsync(a, { vectors: true });
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - t0;
    let maxGap = 0;
    for (let i = 1; i < ticks.length; i++) maxGap = Math.max(maxGap, ticks[i] - ticks[i - 1]);
    t.diagnostic(`${impl}: eighAsync n=${n} took ${elapsed.toFixed(0)} ms; ${ticks.length} ticks, longest gap ${maxGap.toFixed(0)} ms`);
    assert.ok(ticks.length >= 10, `only ${ticks.length} ticks in ${elapsed.toFixed(0)} ms`);
    assert.ok(maxGap < 1000, `the event loop stalled for ${maxGap.toFixed(0)} ms`);
    // Spot-check the answer on three eigenpairs (a full residual would be O(n^3)).
    assert.ok(r?.vectors);
    const res = r;
    const cols = [0, n >> 1, n - 1];
    const m = { rows: n, cols: 3, data: new Float64Array(n * 3) };
    for (let i = 0; i < n; i++) cols.forEach((c, j) => { m.data[i * 3 + j] = res.vectors!.data[i * n + c]; });
    const w = Float64Array.from(cols, (c) => res.values[c]);
    assert.ok(eigResidual(a, w, m) <= 1e-11 * maxAbs(res.values));
  });
});
