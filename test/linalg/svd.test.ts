/** svd against numpy singular values and the identities A = U S V^T, U^T U = I, V^T V = I, both implementations. */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { matrix, svd, svdAsync } from '../../src/linalg';
import { fixtures, forEachImpl, maxAbs, maxDiff, orthoError, randomMatrix, transpose } from './helpers';
import type { Matrix } from '../../src/linalg';

function reconstruct(u: Matrix<Float64Array>, s: Float64Array, vt: Matrix<Float64Array>): Float64Array {
  const out = new Float64Array(u.rows * vt.cols);
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < vt.cols; j++) {
    let t = 0;
    for (let r = 0; r < s.length; r++) t += u.data[i * u.cols + r] * s[r] * vt.data[r * vt.cols + j];
    out[i * vt.cols + j] = t;
  }
  return out;
}

forEachImpl('svd', () => {
  for (const [name, f] of Object.entries(fixtures().svd)) {
    it(`${name} (${f.m} x ${f.n}): s matches numpy, A = U S V^T, orthonormal factors, to 1e-12`, () => {
      const a = matrix(f.m, f.n, Float64Array.from(f.a));
      const { u, s, vt } = svd(a);
      const p = Math.min(f.m, f.n);
      assert.deepEqual([u.rows, u.cols, s.length, vt.rows, vt.cols], [f.m, p, p, p, f.n]);
      assert.ok(maxDiff(s, f.s) <= 1e-12 * f.s[0], `s err ${maxDiff(s, f.s)}`);
      assert.ok(maxDiff(reconstruct(u, s, vt), f.a) <= 1e-12 * f.s[0]);
      assert.ok(orthoError(u) <= 1e-12, `U ortho ${orthoError(u)}`);
      assert.ok(orthoError(transpose(vt)) <= 1e-12, `V ortho ${orthoError(transpose(vt))}`);
    });
  }

  it('opts.k keeps the top k triplets', async () => {
    const a = randomMatrix(40, 25, 9);
    const full = svd(a);
    const top = svd(a, { k: 3 });
    assert.deepEqual([top.u.rows, top.u.cols, top.vt.rows, top.vt.cols], [40, 3, 3, 25]);
    assert.ok(maxDiff(top.s, full.s.slice(0, 3)) <= 1e-12 * full.s[0]);
    const big = randomMatrix(90, 80, 10);
    const r = await svdAsync(big, { k: 5 });
    assert.ok(maxDiff(r.s, svd(big).s.slice(0, 5)) <= 1e-12 * maxAbs(r.s));
    assert.ok(orthoError(r.u) <= 1e-12);
  });
});
