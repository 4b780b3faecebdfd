/**
 * The few level-1/level-2 loops of the one-step experiment (dot products, matrix-vector products) in float64.
 * They touch O(rows x cols) once, so plain loops beat a BLAS call that would need an n x 1 Matrix around each vector.
 */
import type { Matrix } from '../linalg';

/** <u, v> of two equal-length vectors. */
export function dot(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i] * v[i];
  return s;
}

/** Euclidean norm ||v||. */
export function norm2(v: ArrayLike<number>): number {
  return Math.sqrt(dot(v, v));
}

/** M v for M (rows x cols, row-major) and v (cols): a vector of length rows. */
export function matVec(m: Matrix<Float64Array>, v: ArrayLike<number>): Float64Array {
  const { rows, cols, data } = m;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) s += data[o + j] * v[j];
    out[i] = s;
  }
  return out;
}

/** M^T v for M (rows x cols, row-major) and v (rows): a vector of length cols (row-wise axpy, cache-friendly). */
export function matTVec(m: Matrix<Float64Array>, v: ArrayLike<number>): Float64Array {
  const { rows, cols, data } = m;
  const out = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    const o = i * cols;
    for (let j = 0; j < cols; j++) out[j] += vi * data[o + j];
  }
  return out;
}

/** Mean of (p_i - q_i)^2: the empirical risk of predictions p against targets q (same length). */
export function meanSquaredError(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const e = p[i] - q[i];
    s += e * e;
  }
  return s / p.length;
}
