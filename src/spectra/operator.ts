/**
 * A symmetric linear operator as Lanczos sees it: v -> A v on Float64Array(n), sync or async. The NTK-vector
 * product of the engine (ntkVp(model, x, v)) is one; so is a dense matrix (matrixOperator).
 */
import { ShapeError } from '../errors';
import { matmul, type Matrix } from '../linalg';
import { checkMatrix, checkSquare } from '../linalg/validate';

/**
 * v (length n) -> A v (length n) for a symmetric A; the result may be a reused array (it is copied at once) and
 * may be float32, as the engine's ntkVp returns, which limits Lanczos's attainable tolerance to ~1e-6.
 */
export type SymmetricOperator = (v: Float64Array) => Float64Array | Float32Array | Promise<Float64Array | Float32Array>;

/** The operator v -> a v of a square matrix (float64 GEMV through linalg; a float32 matrix is promoted once). */
export function matrixOperator(a: Matrix): { n: number; apply: SymmetricOperator } {
  checkMatrix('matrixOperator', 'a', a);
  const n = checkSquare('matrixOperator', 'a', a);
  const a64: Matrix<Float64Array> = a.data instanceof Float64Array ? (a as Matrix<Float64Array>) : { rows: n, cols: n, data: Float64Array.from(a.data) };
  const out: Matrix<Float64Array> = { rows: n, cols: 1, data: new Float64Array(n) };
  return {
    n,
    apply: (v: Float64Array): Float64Array => {
      if (v.length !== n) throw new ShapeError(`matrixOperator: v has length ${v.length}, the matrix is ${n} x ${n}`);
      matmul(a64, { rows: n, cols: 1, data: v }, { out, checkFinite: false });
      return out.data;
    },
  };
}
