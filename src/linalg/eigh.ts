/**
 * Symmetric eigen-decomposition in float64: LAPACK dsyevd (all eigenvalues, divide and conquer, what
 * numpy.linalg.eigh uses) or dsyevr (an index range, via MRRR); the fallback is TypeScript tred2 + tql2.
 */
import { InvalidOptionError, NonFiniteError, ShapeError } from '../errors';
import { active } from './backend';
import { eighFallback } from './fallback/eigh';
import { mirrorLower } from './fallback/gemm';
import { runInWorker } from './fallback/pool';
import { checkInfo } from './lapackErrors';
import type { Matrix } from './matrix';
import { checkMatrix, checkSquare, inspectSymmetric } from './validate';

export interface EighOptions {
  /** Also compute eigenvectors (default false). */
  vectors?: boolean;
  /** Only eigenvalues lower..upper (0-based indices into the ascending order, inclusive). */
  range?: { lower: number; upper: number };
  /**
   * Check that the matrix is symmetric (default true): |a_ij - a_ji| <= tol * max|a| with tol = 1e-10 for
   * float64 and 1e-5 for float32 input (a float32 Gram from GEMM is symmetric only to rounding). When false,
   * only the lower triangle is read.
   */
  checkSymmetric?: boolean;
}

export interface EighResult {
  /** Eigenvalues, ascending (length n, or upper - lower + 1 with a range). */
  values: Float64Array;
  /** n x m row-major: column j (entries j, m + j, 2m + j, ...) is the unit eigenvector of values[j]. */
  vectors?: Matrix<Float64Array>;
}

interface EighPlan { n: number; a: Float64Array; vectors: boolean; il: number; iu: number; full: boolean }

/** Work (n^3) below which eighAsync runs inline. */
const ASYNC_MIN_N3 = 2 ** 18;

function planEigh(fn: string, a: Matrix, opts: EighOptions): EighPlan {
  checkMatrix(fn, 'a', a);
  const n = checkSquare(fn, 'a', a);
  let il = 0;
  let iu = n - 1;
  if (opts.range !== undefined) {
    const { lower, upper } = opts.range;
    if (!Number.isInteger(lower) || !Number.isInteger(upper) || lower < 0 || upper < lower || upper >= n) {
      throw new InvalidOptionError(`${fn}: opts.range must satisfy 0 <= lower <= upper < n = ${n} (integers), got lower = ${lower}, upper = ${upper}`);
    }
    il = lower;
    iu = upper;
  }
  // LAPACK overwrites its input, so one float64 copy is needed anyway; it doubles as the promotion, and
  // the checks below read the copy (contiguous, already float64) rather than the caller's array.
  const a64 = new Float64Array(a.data); // memcpy for float64, converting loop for float32
  const check = opts.checkSymmetric !== false;
  const relTol = a.data instanceof Float32Array ? 1e-5 : 1e-10;
  const r = inspectSymmetric(a64, n, check ? relTol : -1);
  if (r.code === 1) nonFinite(fn, a64, n, r.index);
  if (r.code === 2) notSymmetric(fn, a64, n, r.index, relTol * r.maxAbs);
  // Unchecked input: the lower triangle is the truth (documented); LAPACK reads the upper one, so mirror.
  if (!check) mirrorLower(a64, n);
  return { n, a: a64, vectors: opts.vectors === true, il, iu, full: il === 0 && iu === n - 1 };
}

function nonFinite(fn: string, d: Float64Array, n: number, index: number): never {
  const r = Math.floor(index / n);
  throw new NonFiniteError(`${fn}: a holds ${d[index]} at (${r}, ${index - r * n})`);
}

function notSymmetric(fn: string, d: Float64Array, n: number, index: number, tol: number): never {
  const i = Math.floor(index / n), j = index - i * n;
  throw new ShapeError(`${fn}: a is not symmetric: a[${i}][${j}] = ${d[i * n + j]} but a[${j}][${i}] = ${d[j * n + i]} (tolerance ${tol.toExponential(2)}); pass checkSymmetric: false to use its lower triangle`);
}

function failed(routine: string): (info: number) => string {
  return routine === 'dsyevd'
    ? (info) => `the algorithm failed to compute an eigenvalue (off-diagonal elements did not converge, or a submatrix block failed at ${info})`
    : () => 'an internal error occurred (dsyevr did not converge)';
}

function finish(p: EighPlan, values: Float64Array, vectors: Float64Array | undefined): EighResult {
  const m = p.iu - p.il + 1;
  return vectors ? { values, vectors: { rows: p.n, cols: m, data: vectors } } : { values };
}

/** Slices a full fallback result to the requested index range (columns il..iu of the vectors). */
function sliceFull(p: EighPlan, values: Float64Array, vectors: Float64Array | undefined): EighResult {
  if (p.full) return finish(p, values, vectors);
  const m = p.iu - p.il + 1;
  const v = values.slice(p.il, p.iu + 1);
  if (!vectors) return finish(p, v, undefined);
  const z = new Float64Array(p.n * m);
  for (let i = 0; i < p.n; i++) z.set(vectors.subarray(i * p.n + p.il, i * p.n + p.iu + 1), i * m);
  return finish(p, v, z);
}

/** Symmetric eigen-decomposition of a (n x n) in float64: values ascending (n, or the index range), vectors n x m with column j for values[j]. */
export function eigh(a: Matrix, opts: EighOptions = {}): EighResult {
  const p = planEigh('eigh', a, opts);
  if (p.n === 0) return finish(p, new Float64Array(0), p.vectors ? new Float64Array(0) : undefined);
  const { addon } = active();
  if (!addon) {
    const r = eighFallback(p.a, p.n, p.vectors);
    return sliceFull(p, r.values, r.vectors);
  }
  const m = p.iu - p.il + 1;
  if (p.full) {
    const w = new Float64Array(p.n);
    checkInfo('eigh', 'dsyevd', addon.syevd(p.n, p.a, w, p.vectors, false) as number, failed('dsyevd'));
    return finish(p, w, p.vectors ? p.a : undefined);
  }
  const w = new Float64Array(m);
  const z = p.vectors ? new Float64Array(p.n * m) : null;
  checkInfo('eigh', 'dsyevr', addon.syevr(p.n, p.a, p.il + 1, p.iu + 1, w, z, false) as number, failed('dsyevr'));
  return finish(p, w, z ?? undefined);
}

/** Like eigh (values ascending, vectors n x m), computed on a worker thread when n is not small, so the event loop keeps running. */
export async function eighAsync(a: Matrix, opts: EighOptions = {}): Promise<EighResult> {
  const p = planEigh('eighAsync', a, opts);
  if (p.n ** 3 < ASYNC_MIN_N3) return eigh(a, opts);
  const { addon } = active();
  if (!addon) {
    // Transfer our private copy to the worker: no second copy.
    const r = await runInWorker({ op: 'eigh', n: p.n, a: p.a, vectors: p.vectors }, [p.a.buffer as ArrayBuffer]);
    return sliceFull(p, r.values as Float64Array, r.vectors as Float64Array | undefined);
  }
  if (p.full) {
    const r = await addon.syevd(p.n, p.a, null, p.vectors, true);
    checkInfo('eighAsync', 'dsyevd', r.info, failed('dsyevd'));
    const [vectors, w] = (p.vectors ? r.outputs : [undefined, r.outputs[0]]) as Float64Array[];
    return finish(p, w, vectors);
  }
  const r = await addon.syevr(p.n, p.a, p.il + 1, p.iu + 1, null, p.vectors ? true : null, true);
  checkInfo('eighAsync', 'dsyevr', r.info, failed('dsyevr'));
  const [w, z] = r.outputs as Float64Array[];
  return finish(p, w, z);
}
