/**
 * The N-API addon's surface (src/linalg/native/linalg.cc), as TypeScript sees it, and how it is found.
 * The addon is deliberately thin: callers allocate every output array, validate every shape, and turn
 * LAPACK's info into errors (./lapackErrors.ts); the addon re-checks lengths only so that no input can
 * make it touch memory out of bounds. Each routine takes a trailing `async` flag: false runs on the
 * calling thread and returns LAPACK's info; true queues the work on libuv's thread pool and returns a
 * Promise of it, keeping the typed arrays alive (and un-collectable) until the work is done.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FloatArray } from './matrix';

/** Either LAPACK's info (sync) or a Promise of it (async). */
export type InfoOr = number | Promise<number>;

export interface NativeAddon {
  /** C (m x n) = alpha op(A) op(B) via cblas_?gemm (row-major); precision from the arrays (all equal). */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: FloatArray, b: FloatArray, c: FloatArray, async: boolean): InfoOr;
  /** C (n x n, both triangles) = alpha A A^T (A n x k) or alpha A^T A (A k x n, trans) via cblas_?syrk. */
  syrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, c: FloatArray, async: boolean): InfoOr;
  /** dsyevd: w <- eigenvalues of the symmetric a (n x n; LAPACK reads its row-major upper triangle); with vectors, a <- row-major eigenvectors (column j pairs with w[j]). */
  syevd(n: number, a: Float64Array, w: Float64Array, vectors: boolean, async: boolean): InfoOr;
  /** dsyevr (upper triangle read, as syevd), eigenvalues il..iu (1-based, inclusive) into w; eigenvectors into z (n x m row-major) unless z is null. `a` is destroyed. */
  syevr(n: number, a: Float64Array, il: number, iu: number, w: Float64Array, z: Float64Array | null, async: boolean): InfoOr;
  /** dpotrf: a <- lower Cholesky factor L (row-major; upper triangle zeroed). */
  potrf(n: number, a: Float64Array, async: boolean): InfoOr;
  /** Solves L L^T X = B with two dtrsm calls; x (n x nrhs row-major) holds B on entry, X on return. */
  potrs(n: number, nrhs: number, l: Float64Array, x: Float64Array, async: boolean): InfoOr;
  /** dgesdd (thin): a (m x n, destroyed) = u (m x p) diag(s) vt (p x n), p = min(m, n). */
  gesdd(m: number, n: number, a: Float64Array, s: Float64Array, u: Float64Array, vt: Float64Array, async: boolean): InfoOr;
  /** Index of the first NaN/Infinity in x, or -1. */
  firstNonFinite(x: FloatArray): number;
  /**
   * eigh's and spectrum()'s input checks on the n x n array a: code 0 = all finite (and symmetric within
   * relTol * maxAbs when relTol >= 0), 1 = a[index] is not finite, 2 = a[index] differs from its mirror image.
   */
  inspectSymmetric(a: FloatArray, n: number, relTol: number): { code: 0 | 1 | 2; index: number; maxAbs: number };
  /** What OpenBLAS reports about itself. */
  blasInfo(): { config: string; corename: string; threads: number };

  // The explicit NTK's elementwise passes (src/ntk/native/elementwise.cc; wrapped by src/ntk/explicit/elementwise.ts).
  /** z <- phi(z + bm b), slope <- phi'(z + bm b) (b per column; null: none); kind 0 linear, 1 relu, 2 tanh, 3 sigmoid. */
  biasActivation(kind: number, z: Float32Array, slope: Float32Array, cols: number, b: Float32Array | null, bm: number): void;
  /** d[(i k + a) cols + j] *= slope[i cols + j] for i < n, a < k, j < cols. */
  multiplyRows(d: Float32Array, slope: Float32Array, n: number, k: number, cols: number): void;
  /** total[p] += dg[p] (m2 hg[p] + bm2) (without dg: m2 hg[p] + bm2) over a rows x cols block, only j <= i when lower. */
  accumulateLayer(total: Float32Array, dg: Float32Array | null, hg: Float32Array, m2: number, bm2: number, rows: number, cols: number, lower: boolean): void;
  /** Copies the lower triangle of the R x R x onto its upper triangle. */
  mirrorLower32(x: Float32Array, R: number): void;
  // The autodiff route's passes (src/ntk/jacobian/ops: geometry.ts, bias-activation.ts).
  /** Patches of one example (x from offset) into out from outOffset; window = [inH, inW, c, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW]. */
  im2col(window: Int32Array, x: Float32Array, offset: number, out: Float32Array, outOffset: number): void;
  /** z = relu(z + bias) over [rows, cout] (bias: already multiplied, or null). */
  reluBias(z: Float32Array, rows: number, cout: number, bias: Float32Array | null): void;
  /** dz = dOut o phi'(z) over stacked cotangents, and bm sum_p dz(p) into biasRows when given. */
  deactivate(dOut: Float32Array, slope: Float32Array | null, relu: boolean, n: number, stack: number, P: number, cout: number, bm: number, biasRows: Float32Array | null): void;
}

/**
 * Where node-gyp puts the addon: <package root>/build/Release (this file runs from build/src/linalg/).
 * NTK_LINALG_ADDON overrides the path (tests use it to simulate a missing addon).
 */
export function addonPath(): string {
  return process.env.NTK_LINALG_ADDON || path.resolve(__dirname, '..', '..', '..', 'build', 'Release', 'ntk_linalg.node');
}

/** Loads the addon, or returns the reason it could not be loaded (never throws). */
export function loadAddon(): { addon: NativeAddon } | { reason: string } {
  const file = addonPath();
  if (!fs.existsSync(file)) return { reason: `the addon ${path.relative(process.cwd(), file) || file} is not built (npm run build:native)` };
  // OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once, when the library loads with the addon: how long (2^t cycles)
  // its idle threads spin before they sleep. The default, 2^28 (~0.1 s), suits one thread calling BLAS back to
  // back; here BLAS runs on libuv's pool while the main thread does the elementwise work in between, and the
  // spinning threads took the cores from it (NTK at n = 1000: 68 ms on average with the default, 57-62 ms at
  // 2^12-2^20). Set only for the load, and only when the user has not set it, so child processes never see it.
  const userTimeout = process.env.OPENBLAS_THREAD_TIMEOUT;
  if (userTimeout === undefined) process.env.OPENBLAS_THREAD_TIMEOUT = '16';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { addon: require(file) as NativeAddon };
  } catch (err) {
    return { reason: `the addon failed to load: ${(err as Error).message.split('\n')[0]}` };
  } finally {
    if (userTimeout === undefined) delete process.env.OPENBLAS_THREAD_TIMEOUT;
  }
}
