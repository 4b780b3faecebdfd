/**
 * Dense symmetric spectra through linalg's LAPACK eigensolvers: all eigenvalues by dsyevd (divide and
 * conquer, what numpy.linalg.eigvalsh runs), and eigenvectors only where asked: the top k by dsyevr (MRRR on
 * an index range, O(n^2 k) after the reduction) or all of them by dsyevd. Values are returned in descending
 * order, as every ntk-lab spectrum.
 */
import { InvalidOptionError, NonFiniteError, ShapeError } from '../errors';
import { eighAsync, type Matrix } from '../linalg';
import { checkFinite, checkMatrix, checkSquare, inspectSymmetric } from '../linalg/validate';

/** Options of symmetricEigen(). */
export interface EigenOptions {
  /** Eigenvectors to return: 0 (default), the top k, or 'all'. */
  vectors?: number | 'all';
  /** Check symmetry first (default true): |a_ij - a_ji| <= tol max|a|, tol = 1e-5 for float32 input, 1e-10 for float64. */
  checkSymmetric?: boolean;
  /** Name of the argument in error messages (default 'a'). */
  name?: string;
}

/** Eigenvalues in descending order, and eigenvectors n x k (column j pairs with values[j]) when asked. */
export interface EigenResult {
  values: Float64Array;
  vectors?: Matrix<Float64Array>;
}

/**
 * Throws NonFiniteError naming a NaN/Infinity, or ShapeError naming the first pair (i, j) (row-major) with
 * |a_ij - a_ji| above the tolerance (1e-5 max|a| for float32 data, 1e-10 for float64). The scan is eigh's
 * (linalg's inspectSymmetric); only a failing matrix is scanned again, row by row, to name the pair.
 */
export function checkSymmetric(fn: string, name: string, a: Matrix): void {
  const n = a.rows;
  const d = a.data;
  const relTol = d instanceof Float32Array ? 1e-5 : 1e-10;
  const r = inspectSymmetric(d, n, relTol);
  if (r.code === 0) return;
  if (r.code === 1) {
    const i = Math.floor(r.index / n);
    throw new NonFiniteError(`${fn}: ${name} holds ${d[r.index]} at (${i}, ${r.index - i * n})`);
  }
  notSymmetric(fn, name, a, relTol * r.maxAbs);
}

/** Throws ShapeError naming the first pair (i, j), row-major, with |a_ij - a_ji| > tol. */
function notSymmetric(fn: string, name: string, a: Matrix, tol: number): never {
  const n = a.rows;
  const d = a.data;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (Math.abs(d[i * n + j] - d[j * n + i]) > tol) {
        throw new ShapeError(
          `${fn}: ${name} (${n} x ${n}) is not symmetric: ${name}[${i}][${j}] = ${d[i * n + j]} but ${name}[${j}][${i}] = ${d[j * n + i]} ` +
            `(tolerance ${tol.toExponential(2)} = ${d instanceof Float32Array ? '1e-5' : '1e-10'} max|${name}|); a spectrum needs a symmetric kernel (x2 omitted)`,
        );
      }
    }
  }
  throw new ShapeError(`${fn}: ${name} (${n} x ${n}) is not symmetric (tolerance ${tol.toExponential(2)})`);
}

/** Eigenvalues (descending) of a symmetric n x n matrix, with the top-k or all eigenvectors; checks shape, finiteness and symmetry first. */
export async function symmetricEigen(a: Matrix, opts: EigenOptions = {}): Promise<EigenResult> {
  const name = opts.name ?? 'a';
  checkMatrix('symmetricEigen', name, a);
  const n = checkSquare('symmetricEigen', name, a);
  const want = opts.vectors ?? 0;
  const k = want === 'all' ? n : want;
  if (!Number.isInteger(k) || k < 0 || k > n) throw new InvalidOptionError(`symmetricEigen: opts.vectors must be 'all' or an integer in 0..${n}, got ${String(want)}`);
  const checked = opts.checkSymmetric !== false;
  if (checked) checkSymmetric('symmetricEigen', name, a);
  else checkFinite('symmetricEigen', name, a); // unchecked: the lower triangle is the matrix (eigh mirrors it)
  return eigenOf(a, k, checked);
}

/**
 * Eigenvalues (descending) and the top k eigenvectors (0..n) of a finite square matrix. `checked`: checkSymmetric()
 * passed, and eigh is asked to check again, in C (~0.3 ms at n = 1000): that costs less than mirroring the lower
 * triangle (~1.6 ms), which an unchecked matrix needs, and it cannot fail where checkSymmetric() passed (same
 * tolerance).
 */
export async function eigenOf(a: Matrix, k: number, checked: boolean): Promise<EigenResult> {
  const n = a.rows;
  if (k === n) {
    const r = await eighAsync(a, { vectors: true, checkSymmetric: checked });
    return { values: r.values.reverse(), vectors: reverseColumns(r.vectors as Matrix<Float64Array>) };
  }
  const values = (await eighAsync(a, { checkSymmetric: checked })).values.reverse();
  if (k === 0) return { values };
  return { values, vectors: await topEigenvectors(a, k) };
}

/** The eigenvectors of the k largest eigenvalues (n x k, column j for the j-th largest) of a checked symmetric matrix, by dsyevr. */
export async function topEigenvectors(a: Matrix, k: number): Promise<Matrix<Float64Array>> {
  const n = a.rows;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new InvalidOptionError(`topEigenvectors: k must be an integer in 1..${n}, got ${k}`);
  // Unchecked (its lower triangle): also serves spectrum()'s prepared kernels, symmetric only to float32 rounding.
  const top = await eighAsync(a, { vectors: true, range: { lower: n - k, upper: n - 1 }, checkSymmetric: false });
  return reverseColumns(top.vectors as Matrix<Float64Array>);
}

/** The same matrix with its columns in reverse order (ascending pairs -> descending). */
function reverseColumns(m: Matrix<Float64Array>): Matrix<Float64Array> {
  const { rows, cols, data } = m;
  const out = new Float64Array(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = data[i * cols + (cols - 1 - j)];
  return { rows, cols, data: out };
}
