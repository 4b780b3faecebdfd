/**
 * Kernel metrics of the kernel during training, as pure functions of dense row-major arrays (no tensors, no
 * state). Kernels are n x n (any float array, length n^2, symmetric where stated); targets Y are n x k
 * row-major (k outputs; one-hot rows for classification). Sums are accumulated in float64. Every result is
 * dimensionless unless said otherwise.
 *
 *   kernelDistance(K0.values, Kt.values)          // 1 - <K0, Kt>_F / (|K0|_F |Kt|_F), in [0, 2]
 *   kernelTargetAlignment(K.values, y)            // <K, Y Y^T>_F / (|K|_F |Y Y^T|_F)
 *   centredAlignment(K.values, y)                 // the same with H K H and H Y Y^T H (Cortes et al. 2012)
 */
import { ShapeError } from '../errors';

/** A read-only float array of a kernel (Float32Array from tfjs, Float64Array, or number[]). */
export type Values = ArrayLike<number>;

/** Targets Y: n x k row-major (`data.length === rows * cols`). */
export interface TargetMatrix {
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}

/** Side n of an n x n kernel of `values.length` entries; throws ShapeError naming `name` otherwise. */
function side(values: Values, name: string): number {
  const n = Math.round(Math.sqrt(values.length));
  if (n * n !== values.length || n === 0) throw new ShapeError(`${name}: expected an n x n kernel (length n^2 > 0), got length ${values.length}`);
  return n;
}

function sameLength(a: Values, b: Values, fn: string): number {
  if (a.length !== b.length) throw new ShapeError(`${fn}: kernels have lengths ${a.length} and ${b.length}; they must be the same n x n`);
  return side(a, fn);
}

function checkTargets(y: TargetMatrix, n: number, fn: string): void {
  if (y.rows !== n || y.data.length !== y.rows * y.cols || y.cols < 1) {
    throw new ShapeError(`${fn}: targets must be ${n} x k (k >= 1) with ${n} * k values, got ${y.rows} x ${y.cols} with ${y.data.length} values`);
  }
}

/** Frobenius inner product <A, B>_F = sum_ij A_ij B_ij (same lengths). */
export function frobeniusInner(a: Values, b: Values): number {
  if (a.length !== b.length) throw new ShapeError(`frobeniusInner: lengths ${a.length} and ${b.length} differ`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Frobenius norm |A|_F. */
export function frobeniusNorm(a: Values): number {
  return Math.sqrt(frobeniusInner(a, a));
}

/**
 * Kernel distance 1 - <A, B>_F / (|A|_F |B|_F) (Fort et al. 2020): 0 when B is a positive multiple of A, in
 * [0, 2]. A zero kernel has no direction: NaN.
 */
export function kernelDistance(a: Values, b: Values): number {
  sameLength(a, b, 'kernelDistance');
  return 1 - frobeniusInner(a, b) / (frobeniusNorm(a) * frobeniusNorm(b));
}

/** Relative change |B - A|_F / |A|_F of B from A (A: the reference, e.g. a layer component at initialisation). */
export function relativeChange(reference: Values, b: Values): number {
  sameLength(reference, b, 'relativeChange');
  let s = 0;
  for (let i = 0; i < b.length; i++) s += (b[i] - reference[i]) ** 2;
  return Math.sqrt(s) / frobeniusNorm(reference);
}

/** Y^T K Y summed over its diagonal, <K, Y Y^T>_F = sum_a y_a^T K y_a, without forming Y Y^T (O(n^2 k)). */
function kernelTargetInner(k: Values, n: number, y: TargetMatrix): number {
  const c = y.cols;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const kij = k[i * n + j];
      if (kij === 0) continue;
      let yy = 0;
      for (let a = 0; a < c; a++) yy += y.data[i * c + a] * y.data[j * c + a];
      s += kij * yy;
    }
  }
  return s;
}

/** |Y Y^T|_F = |Y^T Y|_F (k x k: O(n k^2)). */
function targetGramNorm(y: TargetMatrix): number {
  const { rows: n, cols: c, data } = y;
  let s = 0;
  for (let a = 0; a < c; a++) {
    for (let b = 0; b < c; b++) {
      let g = 0;
      for (let i = 0; i < n; i++) g += data[i * c + a] * data[i * c + b];
      s += g * g;
    }
  }
  return Math.sqrt(s);
}

/**
 * Kernel-target alignment <K, Y Y^T>_F / (|K|_F |Y Y^T|_F) (Cristianini et al. 2002) of an n x n kernel with
 * n x k targets (Y Y^T sums over the outputs). In [-1, 1]; 1 when K is a positive multiple of Y Y^T.
 */
export function kernelTargetAlignment(k: Values, y: TargetMatrix): number {
  const n = side(k, 'kernelTargetAlignment');
  checkTargets(y, n, 'kernelTargetAlignment');
  return kernelTargetInner(k, n, y) / (frobeniusNorm(k) * targetGramNorm(y));
}

/** H K H with H = I - 1 1^T / n: K with its row, column and grand means removed (n x n, float64). */
export function centreKernel(k: Values): Float64Array {
  const n = side(k, 'centreKernel');
  const row = new Float64Array(n);
  const col = new Float64Array(n);
  let all = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = k[i * n + j];
      row[i] += v;
      col[j] += v;
      all += v;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = k[i * n + j] - row[i] / n - col[j] / n + all / (n * n);
  return out;
}

/** H Y: the targets with each output's mean over the n examples removed (n x k, float64). */
export function centreTargets(y: TargetMatrix): TargetMatrix {
  const { rows: n, cols: c, data } = y;
  const mean = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let a = 0; a < c; a++) mean[a] += data[i * c + a] / n;
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) for (let a = 0; a < c; a++) out[i * c + a] = data[i * c + a] - mean[a];
  return { rows: n, cols: c, data: out };
}

/**
 * Centred kernel-target alignment (Cortes, Mohri and Rostamizadeh 2012): the alignment of H K H with
 * H Y Y^T H = (H Y)(H Y)^T, H = I - 1 1^T / n. Insensitive to a constant offset of the kernel or the targets.
 */
export function centredAlignment(k: Values, y: TargetMatrix): number {
  const n = side(k, 'centredAlignment');
  checkTargets(y, n, 'centredAlignment');
  return kernelTargetAlignment(centreKernel(k), centreTargets(y));
}

/** tr(A) of an n x n kernel. */
export function kernelTrace(k: Values): number {
  const n = side(k, 'kernelTrace');
  let t = 0;
  for (let i = 0; i < n; i++) t += k[i * n + i];
  return t;
}

/** Shares tr K_l / tr K of components K_l of a kernel K (`total`: tr K; the shares of a full split sum to 1). */
export function traceShares(components: readonly Values[], total: number): number[] {
  return components.map((c) => kernelTrace(c) / total);
}

/**
 * Alignment of each unit eigenvector u_i with the targets: sum_a (u_i . y_a)^2 / sum_a |y_a|^2 = |Y^T u_i|^2 / |Y|_F^2,
 * the fraction of the targets' energy along u_i (over all n eigenvectors these sum to 1). `vectors`: n x m
 * row-major, column i is u_i (as linalg's eigh returns them). Returns m values in [0, 1].
 */
export function eigenTargetAlignment(vectors: TargetMatrix, y: TargetMatrix): number[] {
  const { rows: n, cols: m, data: u } = vectors;
  checkTargets(y, n, 'eigenTargetAlignment');
  if (u.length !== n * m) throw new ShapeError(`eigenTargetAlignment: vectors must be ${n} x m with ${n} * m values, got ${u.length}`);
  const c = y.cols;
  let energy = 0;
  for (let t = 0; t < y.data.length; t++) energy += y.data[t] * y.data[t];
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let a = 0; a < c; a++) {
      let p = 0;
      for (let r = 0; r < n; r++) p += u[r * m + i] * y.data[r * c + a];
      s += p * p;
    }
    out.push(s / energy);
  }
  return out;
}
