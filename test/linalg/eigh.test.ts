/**
 * eigh against numpy (eigenvalues) and exact identities (A V = V diag(w), V^T V = I) on random,
 * clustered-eigenvalue, rank-deficient and ill-conditioned matrices, through both implementations.
 */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { eigh, eighAsync, gram, matrix } from '../../src/linalg';
import { eigResidual, fixtures, forEachImpl, maxAbs, maxDiff, orthoError, randomMatrix } from './helpers';

forEachImpl('eigh', () => {
  const fx = fixtures().symmetric;

  for (const [name, f] of Object.entries(fx)) {
    it(`${name}: values match numpy to 1e-12, A V = V diag(w) and V^T V = I to 1e-12`, () => {
      const a = matrix(f.n, f.n, Float64Array.from(f.a));
      const scale = maxAbs(f.values);
      const { values } = eigh(a);
      assert.ok(maxDiff(values, f.values) <= 1e-12 * scale, `values err ${maxDiff(values, f.values)}`);
      const r = eigh(a, { vectors: true });
      assert.ok(r.vectors);
      assert.deepEqual([r.vectors.rows, r.vectors.cols], [f.n, f.n]);
      assert.ok(maxDiff(r.values, f.values) <= 1e-12 * scale);
      assert.ok(eigResidual(a, r.values, r.vectors) <= 1e-12 * scale, `residual ${eigResidual(a, r.values, r.vectors)}`);
      assert.ok(orthoError(r.vectors) <= 1e-12, `orthogonality ${orthoError(r.vectors)}`);
      for (let j = 1; j < f.n; j++) assert.ok(r.values[j] >= r.values[j - 1], 'ascending');
    });
  }

  it('an index range returns the matching slice, with vectors satisfying the identities', () => {
    const f = fx.clustered;
    const a = matrix(f.n, f.n, Float64Array.from(f.a));
    const r = eigh(a, { range: { lower: 5, upper: 24 }, vectors: true });
    assert.equal(r.values.length, 20);
    assert.ok(maxDiff(r.values, f.values.slice(5, 25)) <= 1e-12 * maxAbs(f.values));
    assert.ok(r.vectors);
    assert.deepEqual([r.vectors.rows, r.vectors.cols], [40, 20]);
    assert.ok(eigResidual(a, r.values, r.vectors) <= 1e-12 * maxAbs(f.values));
    assert.ok(orthoError(r.vectors) <= 1e-12);
    const v = eigh(a, { range: { lower: 39, upper: 39 } });
    assert.ok(Math.abs(v.values[0] - f.values[39]) <= 1e-12 * maxAbs(f.values));
    assert.equal(v.vectors, undefined);
  });

  it('float32 input is promoted to float64', () => {
    const x = randomMatrix(30, 50, 3);
    const g32 = gram({ rows: 30, cols: 50, data: Float32Array.from(x.data) });
    const r = eigh(g32, { vectors: true });
    assert.ok(r.values instanceof Float64Array);
    const g64 = matrix(30, 30, Float64Array.from(g32.data));
    assert.ok(maxDiff(r.values, eigh(g64).values) <= 1e-12 * maxAbs(r.values));
    assert.ok(r.vectors && eigResidual(g64, r.values, r.vectors) <= 1e-12 * maxAbs(r.values));
  });

  it('eighAsync agrees with eigh (values, vectors, range)', async () => {
    const a = gram(randomMatrix(90, 120, 11));
    const s = eigh(a, { vectors: true });
    const r = await eighAsync(a, { vectors: true });
    assert.ok(maxDiff(r.values, s.values) <= 1e-12 * maxAbs(s.values));
    assert.ok(r.vectors && eigResidual(a, r.values, r.vectors) <= 1e-12 * maxAbs(s.values));
    const part = await eighAsync(a, { range: { lower: 80, upper: 89 } });
    assert.ok(maxDiff(part.values, s.values.slice(80)) <= 1e-12 * maxAbs(s.values));
  });

  it('tiny cases: 1 x 1, 0 x 0, diagonal, zero matrix', () => {
    assert.deepEqual(Array.from(eigh(matrix(1, 1, new Float64Array([-3])), { vectors: true }).values), [-3]);
    assert.equal(eigh(matrix(0, 0, new Float64Array(0))).values.length, 0);
    assert.deepEqual(Array.from(eigh(matrix(3, 3, new Float64Array([3, 0, 0, 0, 1, 0, 0, 0, 2]))).values), [1, 2, 3]);
    const z = eigh(matrix(4, 4, new Float64Array(16)), { vectors: true });
    assert.deepEqual(Array.from(z.values), [0, 0, 0, 0]);
    assert.ok(z.vectors && orthoError(z.vectors) <= 1e-15);
  });
});
