/**
 * Targets and initial outputs as float64 n x k matrices. Copies are made on purpose: the solvers keep
 * them (a predictor lives on after the call), so a caller reusing its buffers must not change results.
 */
import { InvalidOptionError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import { describe } from '../linalg/matrix';
import { checkFinite, checkMatrix } from '../linalg/validate';
import type { OutputsLike, TargetsLike } from './types';

/** ytrain as a fresh float64 n x k matrix (a plain array is one column: k = 1). */
export function readTargets(fn: string, arg: string, y: TargetsLike): Matrix<Float64Array> {
  let m: Matrix;
  if (y instanceof Float32Array || y instanceof Float64Array) {
    m = { rows: y.length, cols: 1, data: y };
  } else {
    checkMatrix(fn, arg, y);
    m = y;
  }
  if (m.rows === 0 || m.cols === 0) throw new ShapeError(`${fn}: ${arg} must have at least one row and one column, got ${m.rows} x ${m.cols}`);
  checkFinite(fn, arg, m);
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
}

/**
 * Initial outputs (fxTrain0 / fxTest0) as a float64 rows x cols matrix: undefined means 0, a number is
 * broadcast, a plain array must hold rows*cols values (row-major), a Matrix must be rows x cols.
 */
export function readOutputs(fn: string, arg: string, f: OutputsLike | undefined, rows: number, cols: number): Matrix<Float64Array> {
  const out = new Float64Array(rows * cols);
  if (f === undefined) return { rows, cols, data: out };
  if (typeof f === 'number') {
    if (!Number.isFinite(f)) throw new InvalidOptionError(`${fn}: ${arg} must be finite, got ${f}`);
    return { rows, cols, data: out.fill(f) };
  }
  if (f instanceof Float32Array || f instanceof Float64Array) {
    if (f.length !== rows * cols) throw new ShapeError(`${fn}: ${arg} has length ${f.length}, needs ${rows} x ${cols} = ${rows * cols} values (row-major)`);
    checkFinite(fn, arg, { rows, cols, data: f });
    out.set(f);
    return { rows, cols, data: out };
  }
  if (typeof f !== 'object' || f === null) throw new ShapeError(`${fn}: ${arg} must be a Matrix, a Float64Array or a number, got ${describe(f)}`);
  checkMatrix(fn, arg, f);
  if (f.rows !== rows || f.cols !== cols) throw new ShapeError(`${fn}: ${arg} must be ${rows} x ${cols}, got ${f.rows} x ${f.cols}`);
  checkFinite(fn, arg, f);
  out.set(f.data);
  return { rows, cols, data: out };
}
