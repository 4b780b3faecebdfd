/**
 * Argument checks shared by every linalg entry point. They run before any native call, so a bad
 * argument becomes a named error (tfjs-core style: the argument, the shape received, the shape needed)
 * and never reaches BLAS/LAPACK, where it could read out of bounds or loop forever on a NaN.
 */
import { NonFiniteError, ShapeError, InvalidOptionError } from '../errors';
import { active } from './backend';
import { describe, type FloatArray, type Matrix } from './matrix';

/** Checks that `m` is a well-formed Matrix (integer dims, float typed array of length rows*cols). */
export function checkMatrix(fn: string, arg: string, m: unknown): asserts m is Matrix {
  if (typeof m !== 'object' || m === null) {
    throw new ShapeError(`${fn}: ${arg} must be a Matrix {rows, cols, data}, got ${describe(m)}`);
  }
  const { rows, cols, data } = m as Partial<Matrix>;
  if (typeof rows !== 'number' || typeof cols !== 'number' || !Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new ShapeError(`${fn}: ${arg}.rows and ${arg}.cols must be non-negative integers, got ${String(rows)} x ${String(cols)}`);
  }
  if (!(data instanceof Float32Array) && !(data instanceof Float64Array)) {
    throw new ShapeError(`${fn}: ${arg}.data must be a Float32Array or Float64Array, got ${describe(data)}`);
  }
  if (data.length !== rows * cols) {
    throw new ShapeError(`${fn}: ${arg}.data has length ${data.length}, but ${arg} is ${rows} x ${cols} and needs ${rows * cols}`);
  }
}

/** Checks a Matrix and that it is float64 (the solvers' precision). */
export function checkMatrix64(fn: string, arg: string, m: unknown): asserts m is Matrix<Float64Array> {
  checkMatrix(fn, arg, m);
  if (!(m.data instanceof Float64Array)) {
    throw new ShapeError(`${fn}: ${arg} must be float64 (Float64Array data), got ${describe(m.data)}`);
  }
}

/** Checks that `m` is square and returns its order. */
export function checkSquare(fn: string, arg: string, m: Matrix): number {
  if (m.rows !== m.cols) throw new ShapeError(`${fn}: ${arg} must be square, got ${m.rows} x ${m.cols}`);
  return m.rows;
}

/** Throws NonFiniteError naming the first NaN/Infinity (its row and column). */
export function checkFinite(fn: string, arg: string, m: Matrix): void {
  const d = m.data;
  // The addon's vectorised scan is ~5x faster: this check precedes every product in the NTK hot path.
  const { addon } = active();
  let bad = -1;
  if (addon) bad = addon.firstNonFinite(d);
  else {
    for (let i = 0; i < d.length; i++) {
      // x - x is NaN exactly for NaN and +-Infinity: one comparison per element in the common case.
      if (d[i] - d[i] !== 0) { bad = i; break; }
    }
  }
  if (bad >= 0) {
    const r = Math.floor(bad / Math.max(1, m.cols));
    throw new NonFiniteError(`${fn}: ${arg} holds ${d[bad]} at (${r}, ${bad - r * m.cols})`);
  }
}

/** Checks that a scalar option is a finite number. */
export function checkScalar(fn: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new InvalidOptionError(`${fn}: ${arg} must be a finite number, got ${String(x)}`);
  }
  return x;
}

/** Checks that both operands share one precision (no silent promotion inside products). */
export function checkSamePrecision(fn: string, a: FloatArray, b: FloatArray): void {
  if (a.constructor !== b.constructor) {
    throw new ShapeError(`${fn}: a and b must have the same precision, got ${a.constructor.name} and ${b.constructor.name}`);
  }
}

/** What inspectSymmetric found: 0 all finite (and symmetric within the tolerance), 1 data[index] not finite, 2 data[index] (i > j) differs from its mirror. */
export interface SymmetryInspection {
  code: 0 | 1 | 2;
  index: number;
  maxAbs: number;
}

/**
 * The input check of every symmetric eigen-decomposition, on an n x n row-major array: finiteness (the first
 * NaN/Infinity in storage order) and, when relTol >= 0, |a_ij - a_ji| <= relTol max|a| (the first failing pair
 * in 32 x 32 tile order, i > j). In C when the addon is loaded (~10x faster), else the same scan here.
 */
export function inspectSymmetric(d: FloatArray, n: number, relTol: number): SymmetryInspection {
  const { addon } = active();
  if (addon) return addon.inspectSymmetric(d, n, relTol);
  let maxAbs = 0;
  for (let i = 0; i < d.length; i++) {
    const x = Math.abs(d[i]);
    if (!(x < Infinity)) return { code: 1, index: i, maxAbs: x }; // NaN fails every comparison
    if (x > maxAbs) maxAbs = x;
  }
  if (relTol < 0) return { code: 0, index: -1, maxAbs };
  const tol = relTol * maxAbs;
  const B = 32; // the addon's tiles, so that both name the same pair
  for (let i0 = 0; i0 < n; i0 += B) {
    const i1 = Math.min(n, i0 + B);
    for (let j0 = 0; j0 <= i0; j0 += B) {
      const j1 = Math.min(n, j0 + B);
      for (let i = i0; i < i1; i++) {
        const jEnd = Math.min(j1, i);
        for (let j = j0; j < jEnd; j++) {
          if (Math.abs(d[i * n + j] - d[j * n + i]) > tol) return { code: 2, index: i * n + j, maxAbs };
        }
      }
    }
  }
  return { code: 0, index: -1, maxAbs };
}

