/**
 * Acceptance 1: eigenvalues against numpy.linalg.eigvalsh (fixture) to 1e-10 relative on 200 x 200 symmetric
 * matrices with clustered and repeated eigenvalues; eigenvectors orthonormal to 1e-10; Lanczos top-10 against
 * the full solver to 1e-8. "Relative" is relative to max |lambda|: the accuracy a backward-stable solver
 * guarantees for every eigenvalue (numpy's own values are no better for the small ones).
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { NonFiniteError, ShapeError, InvalidOptionError } from '../../src/errors';
import type { Matrix } from '../../src/linalg';
import { lanczos, symmetricEigen } from '../../src/spectra';
import { checkSymmetric } from '../../src/spectra/eigen';
import { forEachImpl } from '../linalg/helpers';
import { families, fixture, N } from './matrices';

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |V^T V - I| over a n x k column matrix. */
function orthogonalityError(v: Matrix<Float64Array>): number {
  const { rows: n, cols: k, data } = v;
  let e = 0;
  for (let a = 0; a < k; a++) for (let b = a; b < k; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += data[i * k + a] * data[i * k + b];
    e = Math.max(e, Math.abs(s - (a === b ? 1 : 0)));
  }
  return e;
}

/** max |A v_j - lambda_j v_j| over the columns. */
function residual(a: Matrix<Float64Array>, v: Matrix<Float64Array>, values: ArrayLike<number>): number {
  const n = a.rows;
  const k = v.cols;
  let e = 0;
  for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < n; t++) s += a.data[i * n + t] * v.data[t * k + j];
    e = Math.max(e, Math.abs(s - values[j] * v.data[i * k + j]));
  }
  return e;
}

const mats = families();
const ref = fixture();

describe('symmetricEigen against numpy eigvalsh (n = 200)', () => {
  for (const [name, a] of Object.entries(mats)) {
    it(`${name}: values to 1e-10 of max|lambda|, vectors orthonormal to 1e-10`, async () => {
      const want = Float64Array.from(ref.families[name].values).reverse();
      const scale = maxAbs(want);
      const { values, vectors } = await symmetricEigen(a, { vectors: 'all' });
      assert.equal(values.length, N);
      for (let i = 0; i < N; i++) {
        assert.ok(Math.abs(values[i] - want[i]) <= 1e-10 * scale, `${name}: lambda_${i} = ${values[i]}, numpy ${want[i]}`);
        if (i > 0) assert.ok(values[i] <= values[i - 1], 'descending');
      }
      const v = vectors as Matrix<Float64Array>;
      assert.ok(orthogonalityError(v) <= 1e-10, `V^T V - I = ${orthogonalityError(v)}`);
      assert.ok(residual(a, v, values) <= 1e-10 * scale, `residual ${residual(a, v, values)}`);
    });
  }

  it('top-k eigenvectors (dsyevr) pair with the largest values, orthonormal', async () => {
    const a = mats.clustered;
    const { values, vectors } = await symmetricEigen(a, { vectors: 12 });
    const v = vectors as Matrix<Float64Array>;
    assert.equal(v.cols, 12);
    assert.ok(orthogonalityError(v) <= 1e-10);
    assert.ok(residual(a, v, values) <= 1e-10 * maxAbs(values));
  });
});

describe('Lanczos top-10 against the full solver', () => {
  for (const name of ['random', 'repeated', 'clustered', 'graded', 'rankDeficient']) {
    it(`${name}: values to 1e-8 of max|lambda|, Ritz vectors orthonormal with small residuals`, async () => {
      const a = mats[name];
      const full = (await symmetricEigen(a)).values;
      const r = await lanczos(a, { k: 10, seed: 1 });
      assert.ok(r.converged, `${name}: not converged after ${r.matvecs} products`);
      const scale = maxAbs(full);
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(r.values[i] - full[i]) <= 1e-8 * scale, `${name}: ${i}: ${r.values[i]} vs ${full[i]}`);
      assert.ok(orthogonalityError(r.vectors) <= 1e-10);
      assert.ok(residual(a, r.vectors, r.values) <= 1e-8 * scale);
    });
  }

  it('runs on an async operator and finds the smallest end too', async () => {
    const a = mats.random;
    const full = (await symmetricEigen(a)).values;
    const op = async (v: Float64Array): Promise<Float64Array> => {
      await new Promise((res) => setImmediate(res));
      const out = new Float64Array(N);
      for (let i = 0; i < N; i++) {
        let s = 0;
        for (let j = 0; j < N; j++) s += a.data[i * N + j] * v[j];
        out[i] = s;
      }
      return out;
    };
    const r = await lanczos(op, { n: N, k: 5, which: 'smallest' });
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(r.values[i] - full[N - 1 - i]) <= 1e-8 * maxAbs(full));
  });
});

describe('bad input', () => {
  it('names a non-symmetric entry, a non-finite one, a non-square shape', async () => {
    const a = Float64Array.from(mats.random.data);
    a[3 * N + 7] += 1e-3;
    await assert.rejects(symmetricEigen({ rows: N, cols: N, data: a }, { name: 'K' }), (e: Error) => e instanceof ShapeError && /K .*not symmetric: K\[7\]\[3\]/.test(e.message));
    const b = Float64Array.from(mats.random.data);
    b[5] = NaN;
    await assert.rejects(symmetricEigen({ rows: N, cols: N, data: b }), NonFiniteError);
    await assert.rejects(symmetricEigen({ rows: 2, cols: 3, data: new Float64Array(6) }), /must be square, got 2 x 3/);
    await assert.rejects(lanczos(mats.random, { k: 0 }), InvalidOptionError);
    await assert.rejects(lanczos((v) => v, { k: 2 }), /opts.n/);
    await assert.rejects(lanczos(() => Float64Array.of(NaN, 0, 0), { n: 3, k: 1 }), NonFiniteError);
  });
});

// checkSymmetric runs in C when the addon is loaded and in TypeScript otherwise: both must accept and refuse
// the same matrices (the tolerance is relative to max|a|: 1e-5 for float32 data, 1e-10 for float64) and name
// the same first pair, row-major.
forEachImpl('checkSymmetric', () => {
  const base = (): Float64Array => Float64Array.from(mats.random.data);
  const scale = (d: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i])); return m; };
  for (const dtype of ['float32', 'float64'] as const) {
    const tol = dtype === 'float32' ? 1e-5 : 1e-10;
    const wrap = (d: Float64Array): Matrix => ({ rows: N, cols: N, data: dtype === 'float32' ? Float32Array.from(d) : d });
    it(`${dtype}: accepts asymmetry below ${tol} max|a| and names the first pair above it`, () => {
      const ok = base();
      const m = scale(ok);
      ok[11 * N + 2] += 0.5 * tol * m; // below the tolerance (float32 rounding moves it by ~6e-8 max|a| only)
      checkSymmetric('t', 'K', wrap(ok));
      const bad = base();
      bad[150 * N + 149] += 4 * tol * m;
      bad[40 * N + 9] += 4 * tol * m; // the first in row-major order, though not in the C code's tile order
      assert.throws(() => checkSymmetric('t', 'K', wrap(bad)), (e: Error) => e instanceof ShapeError && /K \(200 x 200\) is not symmetric: K\[40\]\[9\]/.test(e.message));
      const inf = base();
      inf[7 * N + 199] = Infinity;
      assert.throws(() => checkSymmetric('t', 'K', wrap(inf)), (e: Error) => e instanceof NonFiniteError && /K holds Infinity at \(7, 199\)/.test(e.message));
      const nan = base();
      nan[0] = NaN;
      assert.throws(() => checkSymmetric('t', 'K', wrap(nan)), (e: Error) => e instanceof NonFiniteError && /K holds NaN at \(0, 0\)/.test(e.message));
      checkSymmetric('t', 'K', wrap(base()));
    });
  }
});
