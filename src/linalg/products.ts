/**
 * Matrix products: matmul (GEMM) and gram (SYRK). These sit in the NTK engine's hot path, so the native
 * sync path hands the caller's arrays straight to cblas_sgemm/ssyrk (no copies) and writes into one
 * freshly allocated output. Precision in = precision out.
 */
import { ShapeError } from '../errors';
import { active } from './backend';
import { gemmFallback, syrkFallback } from './fallback/gemm';
import { runInWorker } from './fallback/pool';
import { tfFor, tfMatmul } from './gpu';
import { type FloatArray, type Matrix, zerosLike } from './matrix';
import { checkFinite, checkMatrix, checkSamePrecision, checkScalar } from './validate';

/** Work (multiply-adds) below which an *Async call just runs inline: a thread hop would cost more. */
export const ASYNC_MIN_MULADDS = 2 ** 20;

export interface MatmulOptions {
  /** Use A^T instead of A. */
  transA?: boolean;
  /** Use B^T instead of B. */
  transB?: boolean;
  /** Scale of the product (default 1). */
  alpha?: number;
  /** Scan inputs for NaN/Infinity first (default true; O(inputs), negligible beside the product). */
  checkFinite?: boolean;
  /** Write the result here (m x n, same precision) instead of a fresh array: reusing a buffer saves the page faults of a new one. */
  out?: Matrix<FloatArray>;
}

export interface GramOptions {
  /** Scale of the product (default 1). */
  alpha?: number;
  /** false (default): alpha A A^T (rows x rows); true: alpha A^T A (cols x cols). */
  trans?: boolean;
  /** Scan the input for NaN/Infinity first (default true). */
  checkFinite?: boolean;
  /** Write the result here (n x n, same precision) instead of a fresh array. */
  out?: Matrix<FloatArray>;
}

/**
 * An async product computed into memory of its own (the addon's or the worker's) as the result: itself, or copied
 * into the caller's opts.out when one was given (`out` of the plan, already validated).
 */
function placed<T extends FloatArray>(rows: number, cols: number, c: T, out: (() => Matrix<T>) | undefined): Matrix<T> {
  if (!out) return { rows, cols, data: c };
  const target = out();
  target.data.set(c);
  return target;
}

/** The caller's output buffer (checked: size and precision) or a fresh zero matrix like `like`. */
function outputFor<T extends FloatArray>(fn: string, out: Matrix<FloatArray> | undefined, like: T, rows: number, cols: number): Matrix<T> {
  if (!out) return zerosLike(like, rows, cols);
  // BLAS writes C while reading A and B: an output sharing the input's memory would corrupt the product.
  if (out.data.buffer === like.buffer) throw new ShapeError(`${fn}: opts.out must not share memory with the input`);
  if (out.data.constructor !== like.constructor || out.data.length !== rows * cols) {
    throw new ShapeError(`${fn}: opts.out must be a ${like.constructor.name} of ${rows} x ${cols}, got ${out.data.constructor.name}(${out.data.length})`);
  }
  return { rows, cols, data: out.data as T };
}

interface MatmulPlan<T extends FloatArray> { m: number; n: number; k: number; alpha: number; transA: boolean; transB: boolean; out: () => Matrix<T> }

function planMatmul<T extends FloatArray>(fn: string, a: Matrix<T>, b: Matrix<T>, opts: MatmulOptions): MatmulPlan<T> {
  checkMatrix(fn, 'a', a);
  checkMatrix(fn, 'b', b);
  checkSamePrecision(fn, a.data, b.data);
  const transA = opts.transA === true;
  const transB = opts.transB === true;
  const alpha = opts.alpha === undefined ? 1 : checkScalar(fn, 'opts.alpha', opts.alpha);
  const [m, k] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
  const [kb, n] = transB ? [b.cols, b.rows] : [b.rows, b.cols];
  if (k !== kb) {
    throw new ShapeError(`${fn}: inner dimensions differ: op(a) is ${m} x ${k}${transA ? ' (a transposed)' : ''}, op(b) is ${kb} x ${n}${transB ? ' (b transposed)' : ''}`);
  }
  if (opts.checkFinite !== false) {
    checkFinite(fn, 'a', a);
    checkFinite(fn, 'b', b);
  }
  if (opts.out) {
    outputFor(fn, opts.out, a.data, m, n); // validate now, before any work is queued
    if (opts.out.data.buffer === b.data.buffer) throw new ShapeError(`${fn}: opts.out must not share memory with the input`);
  }
  return { m, n, k, alpha, transA, transB, out: () => outputFor(fn, opts.out, a.data, m, n) };
}

/** C (m x n) = alpha * op(A) op(B), op(A) m x k, op(B) k x n; op = transpose when transA/transB. Same precision in and out. */
export function matmul<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, opts: MatmulOptions = {}): Matrix<T> {
  const p = planMatmul('matmul', a, b, opts);
  const out = p.out();
  if (p.m * p.n * p.k === 0) { out.data.fill(0); return out; } // a reused buffer may hold old values
  const tf = a.data instanceof Float32Array ? tfFor(p.m * p.n * p.k, active().impl, true) : undefined;
  if (tf) {
    const t = tfMatmul(tf, a as Matrix<Float32Array>, b as Matrix<Float32Array>, p.transA, p.transB, p.alpha);
    try { out.data.set(t.dataSync()); } finally { t.dispose(); }
    return out;
  }
  const { addon } = active();
  if (addon) addon.gemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a.data, b.data, out.data, false);
  else gemmFallback(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a.data, b.data, out.data);
  return out;
}

/** Like matmul (C = alpha op(A) op(B), m x n), computed off the event loop when large; don't modify a or b until it settles. */
export async function matmulAsync<T extends FloatArray>(a: Matrix<T>, b: Matrix<T>, opts: MatmulOptions = {}): Promise<Matrix<T>> {
  const p = planMatmul('matmulAsync', a, b, opts);
  const work = p.m * p.n * p.k;
  if (work < ASYNC_MIN_MULADDS) return matmul(a, b, { ...opts, checkFinite: false });
  const tf = a.data instanceof Float32Array ? tfFor(work, active().impl, false) : undefined;
  if (tf) {
    const out = p.out();
    const t = tfMatmul(tf, a as Matrix<Float32Array>, b as Matrix<Float32Array>, p.transA, p.transB, p.alpha);
    try { out.data.set(await t.data()); } finally { t.dispose(); }
    return out;
  }
  const { addon } = active();
  if (addon) {
    // Into the caller's opts.out in place (no copy back), else into an array the addon allocates.
    const out = opts.out ? p.out() : undefined;
    const { outputs } = await addon.gemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, a.data, b.data, out ? out.data : null, true);
    return out ?? { rows: p.m, cols: p.n, data: outputs[0] as T };
  }
  const r = await runInWorker({ op: 'gemm', transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k, alpha: p.alpha, a: a.data, b: b.data });
  return placed(p.m, p.n, r.c as T, opts.out && p.out);
}

interface GramPlan<T extends FloatArray> { n: number; k: number; alpha: number; trans: boolean; out: () => Matrix<T> }

function planGram<T extends FloatArray>(fn: string, a: Matrix<T>, opts: GramOptions): GramPlan<T> {
  checkMatrix(fn, 'a', a);
  const trans = opts.trans === true;
  const alpha = opts.alpha === undefined ? 1 : checkScalar(fn, 'opts.alpha', opts.alpha);
  const [n, k] = trans ? [a.cols, a.rows] : [a.rows, a.cols];
  if (opts.checkFinite !== false) checkFinite(fn, 'a', a);
  if (opts.out) outputFor(fn, opts.out, a.data, n, n); // validate now, before any work is queued
  return { n, k, alpha, trans, out: () => outputFor(fn, opts.out, a.data, n, n) };
}

/** G = alpha * A A^T (rows x rows) via SYRK, both triangles filled; with opts.trans: alpha * A^T A (cols x cols). */
export function gram<T extends FloatArray>(a: Matrix<T>, opts: GramOptions = {}): Matrix<T> {
  const p = planGram('gram', a, opts);
  const out = p.out();
  if (p.n * p.k === 0) { out.data.fill(0); return out; }
  // SYRK does half of GEMM's flops, but a GPU (or, without the addon, wasm) GEMM still beats it by far.
  const tf = a.data instanceof Float32Array ? tfFor((p.n * p.n * p.k) / 2, active().impl, true) : undefined;
  if (tf) {
    const t = tfMatmul(tf, a as Matrix<Float32Array>, a as Matrix<Float32Array>, p.trans, !p.trans, p.alpha);
    try { out.data.set(t.dataSync()); } finally { t.dispose(); }
    return out;
  }
  const { addon } = active();
  if (addon) addon.syrk(p.trans, p.n, p.k, p.alpha, a.data, out.data, false);
  else syrkFallback(p.trans, p.n, p.k, p.alpha, a.data, out.data);
  return out;
}

/** Like gram (G = alpha A A^T, or alpha A^T A with trans), computed off the event loop when large. */
export async function gramAsync<T extends FloatArray>(a: Matrix<T>, opts: GramOptions = {}): Promise<Matrix<T>> {
  const p = planGram('gramAsync', a, opts);
  const work = (p.n * p.n * p.k) / 2;
  if (work < ASYNC_MIN_MULADDS) return gram(a, { ...opts, checkFinite: false });
  const tf = a.data instanceof Float32Array ? tfFor(work, active().impl, false) : undefined;
  if (tf) {
    const out = p.out();
    const t = tfMatmul(tf, a as Matrix<Float32Array>, a as Matrix<Float32Array>, p.trans, !p.trans, p.alpha);
    try { out.data.set(await t.data()); } finally { t.dispose(); }
    return out;
  }
  const { addon } = active();
  if (addon) {
    const out = opts.out ? p.out() : undefined;
    const { outputs } = await addon.syrk(p.trans, p.n, p.k, p.alpha, a.data, out ? out.data : null, true);
    return out ?? { rows: p.n, cols: p.n, data: outputs[0] as T };
  }
  const r = await runInWorker({ op: 'syrk', trans: p.trans, n: p.n, k: p.k, alpha: p.alpha, a: a.data });
  return placed(p.n, p.n, r.c as T, opts.out && p.out);
}
