/** cholesky / solvePositiveDefinite against numpy and the identities L L^T = A, A X = B, both implementations. */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { LinalgError } from '../../src/errors';
import { cholesky, choleskyAsync, gram, matrix, solvePositiveDefinite, solvePositiveDefiniteAsync } from '../../src/linalg';
import { fixtures, forEachImpl, maxAbs, maxDiff, randomMatrix, refMatmul } from './helpers';

forEachImpl('cholesky and SPD solves', () => {
  const fx = fixtures().spd;

  for (const [name, f] of Object.entries(fx)) {
    it(`${name}: L L^T = A to 1e-12, L lower, A X = B to 1e-12 (backward error)`, () => {
      const a = matrix(f.n, f.n, Float64Array.from(f.a));
      const l = cholesky(a);
      for (let i = 0; i < f.n; i++) for (let j = i + 1; j < f.n; j++) assert.equal(l.data[i * f.n + j], 0);
      const llt = refMatmul(l, l, false, true);
      assert.ok(maxDiff(llt, f.a) <= 1e-12 * maxAbs(f.a), `LL^T err ${maxDiff(llt, f.a)}`);
      const b = matrix(f.n, 3, Float64Array.from(f.b));
      const x = solvePositiveDefinite(a, b);
      assert.deepEqual([x.rows, x.cols], [f.n, 3]);
      const ax = refMatmul(a, x);
      // Normwise backward error |AX - B| / (|A| |X|): what a stable solver guarantees even at cond 1e10.
      assert.ok(maxDiff(ax, f.b) <= 1e-12 * maxAbs(f.a) * maxAbs(x.data) * f.n, `residual ${maxDiff(ax, f.b)}`);
      if (name === 'wellConditioned') {
        assert.ok(maxDiff(l.data, f.l) <= 1e-12 * maxAbs(f.l));
        assert.ok(maxDiff(x.data, f.x) <= 1e-12 * maxAbs(f.x));
      }
    });
  }

  it('a matrix that is not positive definite raises LinalgError naming the routine and the minor', () => {
    const a = matrix(3, 3, new Float64Array([4, 2, 0, 2, 1, 0, 0, 0, 1])); // singular leading 2x2
    assert.throws(() => cholesky(a), (e: unknown) => e instanceof LinalgError && /potrf/.test(e.routine) && e.info === 2 && /order 2/.test(e.message));
    assert.throws(() => solvePositiveDefinite(a, matrix(3, 1, new Float64Array(3))), LinalgError);
  });

  it('async variants agree with sync', async () => {
    const a = gram(randomMatrix(80, 100, 5));
    const b = randomMatrix(80, 4, 6);
    const x1 = solvePositiveDefinite(a, b);
    const x2 = await solvePositiveDefiniteAsync(a, b);
    assert.ok(maxDiff(x1.data, x2.data) <= 1e-10 * maxAbs(x1.data));
    const l = await choleskyAsync(a);
    assert.ok(maxDiff(l.data, cholesky(a).data) <= 1e-12 * maxAbs(l.data));
    const bad = matrix(80, 80, Float64Array.from(a.data, (v, i) => (i === 0 ? -1 : v)));
    await assert.rejects(solvePositiveDefiniteAsync(bad, b), LinalgError);
  });
});
