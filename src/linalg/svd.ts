/**
 * Thin singular value decomposition in float64 (LAPACK dgesdd, divide and conquer; fallback: one-sided
 * Jacobi). The row-major input is LAPACK's column-major A^T, whose SVD V S U^T hands back U and V^T
 * already in row-major order, so no transposes are needed.
 */
import { InvalidOptionError } from '../errors';
import { active } from './backend';
import { svdFallback } from './fallback/svd';
import { runInWorker } from './fallback/pool';
import { checkInfo } from './lapackErrors';
import type { Matrix } from './matrix';
import { checkFinite, checkMatrix64 } from './validate';

export interface SvdOptions {
  /** Keep only the top k singular triplets (1 <= k <= min(m, n); default min(m, n)). */
  k?: number;
}

export interface SvdResult {
  /** m x k row-major, orthonormal columns (left singular vectors). */
  u: Matrix<Float64Array>;
  /** k singular values, descending, non-negative. */
  s: Float64Array;
  /** k x n row-major, orthonormal rows (right singular vectors). */
  vt: Matrix<Float64Array>;
}

const ASYNC_MIN_MNP = 2 ** 18;

function planSvd(fn: string, a: Matrix<Float64Array>, opts: SvdOptions): { m: number; n: number; p: number; k: number } {
  checkMatrix64(fn, 'a', a);
  checkFinite(fn, 'a', a);
  const { rows: m, cols: n } = a;
  const p = Math.min(m, n);
  const k = opts.k ?? p;
  if (!Number.isInteger(k) || k < 0 || k > p) throw new InvalidOptionError(`${fn}: opts.k must be an integer in [0, min(m, n) = ${p}], got ${k}`);
  return { m, n, p, k };
}

/** Keeps the top k triplets of a thin (p) SVD. */
function truncate(m: number, n: number, p: number, k: number, u: Float64Array, s: Float64Array, vt: Float64Array): SvdResult {
  if (k === p) return { u: { rows: m, cols: p, data: u }, s, vt: { rows: p, cols: n, data: vt } };
  const uk = new Float64Array(m * k);
  for (let i = 0; i < m; i++) uk.set(u.subarray(i * p, i * p + k), i * k);
  return { u: { rows: m, cols: k, data: uk }, s: s.slice(0, k), vt: { rows: k, cols: n, data: vt.slice(0, k * n) } };
}

const noConv = (): string => 'the bidiagonal SVD (dbdsdc) did not converge';

/** Thin SVD of a (m x n): u (m x k), s (k, descending), vt (k x n) with A ~= U diag(s) V^T; k = opts.k or min(m, n). */
export function svd(a: Matrix<Float64Array>, opts: SvdOptions = {}): SvdResult {
  const { m, n, p, k } = planSvd('svd', a, opts);
  if (p === 0) return truncate(m, n, p, k, new Float64Array(0), new Float64Array(0), new Float64Array(0));
  const { addon } = active();
  if (!addon) {
    const r = svdFallback(a.data, m, n);
    return truncate(m, n, p, k, r.u, r.s, r.vt);
  }
  const work = a.data.slice();
  const s = new Float64Array(p), u = new Float64Array(m * p), vt = new Float64Array(p * n);
  checkInfo('svd', 'dgesdd', addon.gesdd(m, n, work, s, u, vt, false) as number, noConv);
  return truncate(m, n, p, k, u, s, vt);
}

/** Like svd (u m x k, s k, vt k x n), on a worker thread when the matrix is not small. */
export async function svdAsync(a: Matrix<Float64Array>, opts: SvdOptions = {}): Promise<SvdResult> {
  const { m, n, p, k } = planSvd('svdAsync', a, opts);
  if (m * n * p < ASYNC_MIN_MNP) return svd(a, opts);
  const { addon } = active();
  if (!addon) {
    const r = await runInWorker({ op: 'svd', m, n, a: a.data });
    return truncate(m, n, p, k, r.u as Float64Array, r.s as Float64Array, r.vt as Float64Array);
  }
  const r = await addon.gesdd(m, n, a.data, null, null, null, true); // a is copied by the addon, not destroyed
  checkInfo('svdAsync', 'dgesdd', r.info, noConv);
  const [s, u, vt] = r.outputs as Float64Array[];
  return truncate(m, n, p, k, u, s, vt);
}
