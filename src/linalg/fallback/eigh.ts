/**
 * Pure-TypeScript symmetric eigensolver (float64) for the fallback path: Householder tridiagonalisation
 * followed by the implicit QL method with Wilkinson-like shifts (the EISPACK tred2/tql2 pair, as in JAMA),
 * written from the algorithm description. O(n^3); about 1 s at n = 500 with vectors.
 *
 * Storage: the working array Z holds the transformation matrix transposed (Z[j*n + k] is entry (k, j)), so
 * every inner loop, which runs down a column of the transformation, walks contiguous memory.
 */
import { LinalgError } from '../../errors';

export interface EighResult {
  /** Ascending eigenvalues (length n). */
  values: Float64Array;
  /** n x n row-major, column j is the eigenvector of values[j]; present only when vectors were asked for. */
  vectors?: Float64Array;
}

/** sqrt(a^2 + b^2) without overflow for large |a| or |b| (Math.hypot is correct but slow in V8). */
function hypot(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b);
  if (x > y) { const r = y / x; return x * Math.sqrt(1 + r * r); }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

/**
 * Eigen-decomposition of the symmetric n x n row-major matrix `a` (only its lower triangle is read;
 * `a` is not modified). Throws LinalgError('tql2', ...) if QL iteration fails to converge.
 */
export function eighFallback(a: Float64Array, n: number, wantVectors: boolean): EighResult {
  // Z starts as A^T stored row-major = A's transpose; since we read only the lower triangle of A we
  // build the symmetric matrix explicitly (Z[j*n+k] = A(k, j) for k >= j, mirrored).
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const x = a[i * n + j];
      z[j * n + i] = x;
      z[i * n + j] = x;
    }
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return wantVectors ? { values: d, vectors: new Float64Array(0) } : { values: d };
  tred2(z, d, e, n, wantVectors);
  tql2(z, d, e, n, wantVectors);
  // Sort ascending (tql2 leaves values nearly sorted); selection sort keeps vector swaps to n at most.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) if (d[j] < p) { k = j; p = d[j]; }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      if (wantVectors) {
        // Columns of the transformation are rows of z: swap rows i and k.
        const ri = i * n, rk = k * n;
        for (let t = 0; t < n; t++) { const tmp = z[ri + t]; z[ri + t] = z[rk + t]; z[rk + t] = tmp; }
      }
    }
  }
  if (!wantVectors) return { values: d };
  // z row j is eigenvector j; the API wants it as column j of a row-major matrix: transpose in place.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = z[i * n + j];
      z[i * n + j] = z[j * n + i];
      z[j * n + i] = t;
    }
  }
  return { values: d, vectors: z };
}

/** Householder reduction to tridiagonal form: d gets the diagonal, e the subdiagonal (e[0] = 0). */
function tred2(z: Float64Array, d: Float64Array, e: Float64Array, n: number, accumulate: boolean): void {
  // Notation: V(k, j) === z[j*n + k].
  for (let j = 0; j < n; j++) d[j] = z[j * n + n - 1];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = z[j * n + i - 1];
        z[j * n + i] = 0;
        z[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        const zj = j * n;
        f = d[j];
        z[i * n + j] = f; // V(j, i) = f
        g = e[j] + z[zj + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = z[zj + k];
          g += v * d[k];
          e[k] += v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        const zj = j * n;
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) z[zj + k] -= f * e[k] + g * d[k];
        d[j] = z[zj + i - 1];
        z[zj + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!accumulate) {
    // The tridiagonal's diagonal sits on V's diagonal; the accumulation below is only needed for vectors.
    for (let j = 0; j < n; j++) d[j] = z[j * n + j];
    e[0] = 0;
    return;
  }
  for (let i = 0; i < n - 1; i++) {
    z[i * n + n - 1] = z[i * n + i]; // V(n-1, i) = V(i, i)
    z[i * n + i] = 1;
    const h = d[i + 1];
    const zi1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = z[zi1 + k] / h;
      for (let j = 0; j <= i; j++) {
        const zj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += z[zi1 + k] * z[zj + k];
        for (let k = 0; k <= i; k++) z[zj + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) z[zi1 + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = z[j * n + n - 1];
    z[j * n + n - 1] = 0;
  }
  z[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); rotations are applied to the rows of z when accumulating. */
function tql2(z: Float64Array, d: Float64Array, e: Float64Array, n: number, accumulate: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m === n) m = n - 1; // e[n-1] is 0, so this only guards against reading past the end
    if (m > l) {
      let iter = 0;
      do {
        // 30 iterations per eigenvalue is LAPACK's limit too (dsteqr uses 30*n in total).
        if (++iter > 60) throw new LinalgError(`eigh (fallback tql2): QL iteration did not converge for eigenvalue ${l}`, 'tql2', l + 1);
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1, c2 = c, c3 = c;
        const el1 = e[l + 1];
        let s = 0, s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (accumulate) {
            const zi = i * n, zi1 = zi + n;
            for (let k = 0; k < n; k++) {
              const t = z[zi1 + k];
              const v = z[zi + k];
              z[zi1 + k] = s * v + c * t;
              z[zi + k] = c * v - s * t;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
}
