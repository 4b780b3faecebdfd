/**
 * The full-batch gradient of the first layer at initialisation (Ba et al. 2022, section 2):
 *   L(W) = (1/n) sum_i (1/2) (f(x_i) - y_i)^2,   f(x) = a^T sigma(W^T x) / sqrt(N)
 *   G0 = -grad_W L(W0) = -(1/n) X^T [ (1/sqrt(N)) (r a^T) o sigma'(X W0) ],   r = f(X) - y
 * Note the 1/2 in the loss: tfjs' meanSquaredError has none (its gradient is twice this one).
 * Products in float64 on the linalg core (OpenBLAS): two n x d x N GEMMs.
 */
import { ShapeError } from '../errors';
import { type Matrix, matmulAsync } from '../linalg';
import { featureFunction, featureSlope } from './activation-fn';
import type { Student } from './student';

/** G0 and what the step saw. */
export interface FirstLayerGradient {
  /** G0 = -grad_W L(W0): d x N row-major. */
  G0: Matrix<Float64Array>;
  /** r = f(X) - y at initialisation (length n). */
  residual: Float64Array;
  /** L(W0) = (1/n) sum (1/2) r_i^2. */
  loss: number;
}

/** G0 = -grad_W L(W0) (d x N) for inputs x (n x d) and labels y (n), with the loss (1/n) sum (1/2)(f - y)^2. */
export async function firstLayerGradient(student: Student, x: Matrix<Float64Array>, y: ArrayLike<number>): Promise<FirstLayerGradient> {
  const { d, N, W0, a } = student;
  if (x.cols !== d) throw new ShapeError(`firstLayerGradient: x is ${x.rows} x ${x.cols}, the student's input dimension d is ${d}`);
  const n = x.rows;
  if (y.length !== n) throw new ShapeError(`firstLayerGradient: y has length ${y.length}, x has ${n} rows`);
  if (n < 1) throw new ShapeError('firstLayerGradient: x has no rows');
  const f = featureFunction(student.activation);
  const df = featureSlope(student.activation);
  const z = await matmulAsync(x, W0); // n x N pre-activations
  const zd = z.data;
  const scale = 1 / Math.sqrt(N);
  const residual = new Float64Array(n);
  let loss = 0;
  const fz = new Float64Array(N); // sigma of one row
  for (let i = 0; i < n; i++) {
    let out = 0;
    const o = i * N;
    for (let j = 0; j < N; j++) {
      fz[j] = f(zd[o + j]);
      out += a[j] * fz[j];
    }
    const r = out * scale - y[i];
    residual[i] = r;
    loss += 0.5 * r * r;
    // Overwrite z's row by the backpropagated signal (r_i a_j / sqrt(N)) sigma'(z_ij): z is not needed again.
    const rs = r * scale;
    for (let j = 0; j < N; j++) zd[o + j] = rs * a[j] * df(zd[o + j], fz[j]);
  }
  const G0 = await matmulAsync(x, z, { transA: true, alpha: -1 / n });
  return { G0, residual, loss: loss / n };
}
