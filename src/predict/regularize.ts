/**
 * Scalar arguments (lambda, diagReg, lr, t) and the diagonal shift. Validated here so that kernelRidge and
 * gradientDescentMse word their errors alike.
 */
import { InvalidOptionError } from '../errors';
import type { Matrix } from '../linalg';
import type { RegularizerScale } from './types';

/** Checks that x is a finite number >= 0 (lambda, diagReg). */
export function checkNonNegative(fn: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw new InvalidOptionError(`${fn}: ${arg} must be a finite number >= 0, got ${String(x)}`);
  }
  return x;
}

/** Checks that x is a finite number > 0 (lr, rcond). */
export function checkPositive(fn: string, arg: string, x: unknown): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new InvalidOptionError(`${fn}: ${arg} must be a finite number > 0, got ${String(x)}`);
  }
  return x;
}

/** Checks a training time: a number >= 0, Infinity allowed (the end of training). */
export function checkTime(fn: string, t: unknown): number {
  if (typeof t !== 'number' || Number.isNaN(t) || t < 0) {
    throw new InvalidOptionError(`${fn}: t must be a number >= 0 (steps; Infinity for the end of training), got ${String(t)}`);
  }
  return t;
}

/** The absolute diagonal shift: value itself ('absolute') or value * trace(a) / N ('trace', neural-tangents' default). */
export function diagonalShift(fn: string, arg: string, value: number, scale: RegularizerScale | undefined, a: Matrix<Float64Array>): number {
  if (scale === undefined || scale === 'absolute') return value;
  if (scale !== 'trace') throw new InvalidOptionError(`${fn}: ${arg} scale must be 'absolute' or 'trace', got '${String(scale)}'`);
  let tr = 0;
  for (let i = 0; i < a.rows; i++) tr += a.data[i * a.rows + i];
  return (value * tr) / a.rows;
}

/** a + shift * I as a fresh matrix (a is square and stays untouched: predictors keep it). */
export function addDiagonal(a: Matrix<Float64Array>, shift: number): Matrix<Float64Array> {
  const d = Float64Array.from(a.data);
  if (shift !== 0) for (let i = 0; i < a.rows; i++) d[i * a.rows + i] += shift;
  return { rows: a.rows, cols: a.cols, data: d };
}

/** r = y - f (both n x k), a fresh matrix. */
export function residual(y: Matrix<Float64Array>, f: Matrix<Float64Array>): Matrix<Float64Array> {
  const d = new Float64Array(y.data.length);
  for (let i = 0; i < d.length; i++) d[i] = y.data[i] - f.data[i];
  return { rows: y.rows, cols: y.cols, data: d };
}
