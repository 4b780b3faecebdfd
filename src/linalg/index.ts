/**
 * ntk-lab's linear algebra: products, Gram matrices, symmetric eigen-decompositions, Cholesky solves and
 * SVD on the system's OpenBLAS/LAPACK through a small N-API addon, with a pure-TypeScript fallback.
 *
 * @example
 *   import { matrix, gram, eigh, linalgInfo } from 'ntk-lab/linalg';
 *   const x = matrix(3, 2, new Float32Array([1, 2, 3, 4, 5, 6]));
 *   const k = gram(x);                       // 3 x 3 float32, K = X X^T
 *   const { values, vectors } = eigh(k, { vectors: true }); // float64, ascending
 *   console.log(linalgInfo());               // { implementation: 'openblas', blas: 'OpenBLAS 0.3.21 ...', threads: 2 }
 *
 * All matrices are row-major `{ rows, cols, data }` over Float32Array/Float64Array. Every `*Async`
 * variant runs large problems off the event loop (libuv thread pool for the addon, a worker thread for
 * the fallback); the addon copies what it reads before the call returns, so inputs may be changed,
 * transferred or resized meanwhile; it writes into arrays it allocates, or in place into an `opts.out` (which
 * must not be resizable or shared, and must not be transferred until the call settles). The addon runs one BLAS/LAPACK
 * call at a time (OpenBLAS already uses every core, and is not reliably re-entrant): a sync call made
 * while an async one is running waits for it.
 *
 * Implementation: the OpenBLAS addon (prebuilt in the package, or a source build), else TypeScript with a one-line
 * notice; NTK_LINALG=native|fallback forces one. Float32 products go to tfjs when a GPU tfjs backend is
 * active (and, without the addon, sync ones to tfjs-wasm when that is the active backend).
 */
export { matrix, type FloatArray, type Matrix } from './matrix';
export { matmul, matmulAsync, gram, gramAsync, type MatmulOptions, type GramOptions } from './products';
export { eigh, eighAsync, type EighOptions, type EighResult } from './eigh';
export { cholesky, choleskyAsync, solvePositiveDefinite, solvePositiveDefiniteAsync } from './solve';
export { svd, svdAsync, type SvdOptions, type SvdResult } from './svd';
export { linalgInfo, type LinalgInfo, type AddonInfo, type Implementation } from './backend';
