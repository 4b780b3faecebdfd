/**
 * Shared helpers for the linalg tests: both implementations, a seeded RNG, reference products and
 * residual norms computed in plain float64 loops (independent of the code under test), fixtures.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describe, before, after } from 'node:test';
import { addonAvailable, selectImplementation, type Implementation } from '../../src/linalg/backend';
import type { FloatArray, Matrix } from '../../src/linalg';
import { mulberry32 } from '../helpers/rng';

/**
 * Runs `body` once per implementation, selected in-process, so one `npm test` covers both paths. The
 * addon's suite is skipped (with a reason) when it is not built, except under NTK_LINALG=native, where a
 * missing addon is a failure; NTK_LINALG=fallback skips it too (simulates a machine without the addon).
 */
export function forEachImpl(title: string, body: (impl: Implementation) => void): void {
  for (const impl of ['openblas', 'fallback'] as const) {
    const env = process.env.NTK_LINALG;
    const skip = impl !== 'openblas' ? false
      : env === 'fallback' ? 'NTK_LINALG=fallback'
      : !addonAvailable() && env !== 'native' ? 'addon not built (npm run build:native)' : false;
    describe(`${title} [${impl}]`, { skip }, () => {
      before(() => selectImplementation(impl));
      after(() => selectImplementation(undefined));
      body(impl);
    });
  }
}

/** Deterministic uniform(-0.5, 0.5) generator (mulberry32, shared with the spectra fixtures). */
export const rng = mulberry32;

export function randomMatrix(rows: number, cols: number, seed: number): Matrix<Float64Array> {
  const r = rng(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, r) };
}

export function toF32(m: Matrix<Float64Array>): Matrix<Float32Array> {
  return { rows: m.rows, cols: m.cols, data: Float32Array.from(m.data) };
}

/** (i, j) of op(m) where op transposes when t. */
function at(m: Matrix, i: number, j: number, t: boolean): number {
  return t ? m.data[j * m.cols + i] : m.data[i * m.cols + j];
}

/** alpha op(A) op(B) in float64, naively. */
export function refMatmul(a: Matrix, b: Matrix, transA = false, transB = false, alpha = 1): Float64Array {
  const m = transA ? a.cols : a.rows, k = transA ? a.rows : a.cols, n = transB ? b.rows : b.cols;
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += at(a, i, p, transA) * at(b, p, j, transB);
    c[i * n + j] = alpha * s;
  }
  return c;
}

export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

export function maxDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`length ${x.length} vs ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** max |A V - V diag(w)| for a (n x n) and vectors v (n x m, columns). */
export function eigResidual(a: Matrix, w: Float64Array, v: Matrix<Float64Array>): number {
  const n = a.rows, m = v.cols;
  let r = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a.data[i * n + k] * v.data[k * m + j];
    r = Math.max(r, Math.abs(s - w[j] * v.data[i * m + j]));
  }
  return r;
}

/** max |Q^T Q - I| over the columns of q (rows x cols). */
export function orthoError(q: Matrix<Float64Array>): number {
  const { rows, cols, data } = q;
  let r = 0;
  for (let i = 0; i < cols; i++) for (let j = 0; j <= i; j++) {
    let s = 0;
    for (let k = 0; k < rows; k++) s += data[k * cols + i] * data[k * cols + j];
    r = Math.max(r, Math.abs(s - (i === j ? 1 : 0)));
  }
  return r;
}

export function transpose(q: Matrix<Float64Array>): Matrix<Float64Array> {
  const out = new Float64Array(q.data.length);
  for (let i = 0; i < q.rows; i++) for (let j = 0; j < q.cols; j++) out[j * q.rows + i] = q.data[i * q.cols + j];
  return { rows: q.cols, cols: q.rows, data: out };
}

export function asF64(x: FloatArray): Float64Array {
  return x instanceof Float64Array ? x : Float64Array.from(x);
}

export interface Fixtures {
  generator: string;
  symmetric: Record<string, { n: number; a: number[]; values: number[] }>;
  spd: Record<string, { n: number; a: number[]; b: number[]; l: number[]; x: number[] }>;
  products: {
    a: { rows: number; cols: number; data: number[] };
    b: { rows: number; cols: number; data: number[] };
    bt: { rows: number; cols: number; data: number[] };
    ab64: number[]; abt64: number[]; ata64: number[]; ab32: number[]; aat32: number[];
  };
  svd: Record<string, { m: number; n: number; a: number[]; s: number[] }>;
}

let cached: Fixtures | undefined;
/** numpy reference data from test/fixtures/linalg/fixtures.json (see make_fixtures.py beside it). */
export function fixtures(): Fixtures {
  // Compiled to build/test/linalg/; the JSON stays in the source tree.
  cached ??= JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', 'linalg', 'fixtures.json'), 'utf8')) as Fixtures;
  return cached;
}
