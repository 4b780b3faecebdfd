/**
 * A symmetric operator applied to a block of vectors at once: V (n x b) -> A V (n x b), float64, row-major.
 * Block methods (block Krylov, SLQ with shared probes, CG with many right-hand sides) use it so that one
 * application -- one pass over a tile store on disk -- serves b vectors. denseBlockOperator wraps a matrix.
 */
import { ShapeError } from '../errors';
import { matmul, type Matrix } from '../linalg';
import { checkMatrix, checkSquare } from '../linalg/validate';

/** V (n x b, float64) -> A V (n x b, float64); `passes` counts applications when the operator keeps count. */
export interface BlockOperator {
  /** Order n of the (square, symmetric) operator. */
  readonly n: number;
  apply(v: Matrix<Float64Array>): Promise<Matrix<Float64Array>>;
}

/** Checks that `v` is an n x b float64 block for an operator of order n (ShapeError naming `fn`). */
export function checkBlock(fn: string, n: number, v: Matrix<Float64Array>): number {
  if (!(v.data instanceof Float64Array) || v.rows !== n || v.data.length !== v.rows * v.cols || v.cols < 1) {
    throw new ShapeError(`${fn}: V must be an ${n} x b float64 block (b >= 1), got ${v.rows} x ${v.cols} ${v.data?.constructor?.name ?? typeof v.data}`);
  }
  return v.cols;
}

/** The block operator V -> A V of a square symmetric matrix (float64 GEMM; a float32 matrix is promoted once). */
export function denseBlockOperator(a: Matrix): BlockOperator & { passes: number } {
  checkMatrix('denseBlockOperator', 'a', a);
  const n = checkSquare('denseBlockOperator', 'a', a);
  const a64: Matrix<Float64Array> = a.data instanceof Float64Array ? (a as Matrix<Float64Array>) : { rows: n, cols: n, data: Float64Array.from(a.data) };
  const op = {
    n,
    passes: 0,
    async apply(v: Matrix<Float64Array>): Promise<Matrix<Float64Array>> {
      checkBlock('denseBlockOperator', n, v);
      op.passes++;
      return matmul(a64, v, { checkFinite: false });
    },
  };
  return op;
}
