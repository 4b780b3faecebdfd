/**
 * Conjugate-kernel features of the two-layer student: Phi = sigma(X W) / sqrt(N) (n x N), the features that the
 * second layer a is fitted on, so that f(x) = Phi(x) a (Ba et al. 2022, eq. 1.1). The CK is Phi Phi^T.
 */
import { ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import type { ActivationName } from '../models/activations';
import { featureFunction } from './activation-fn';

/** Phi = sigma(z) / sqrt(N) elementwise for pre-activations z = X W (n x N); written into `out` when given (may be z itself). */
export function ckFeatures(z: Matrix<Float64Array>, act: ActivationName, out?: Matrix<Float64Array>): Matrix<Float64Array> {
  const target = out ?? { rows: z.rows, cols: z.cols, data: new Float64Array(z.data.length) };
  if (target.rows !== z.rows || target.cols !== z.cols) throw new ShapeError(`ckFeatures: out is ${target.rows} x ${target.cols}, z is ${z.rows} x ${z.cols}`);
  const f = featureFunction(act);
  const scale = 1 / Math.sqrt(z.cols);
  const src = z.data;
  const dst = target.data;
  for (let i = 0; i < src.length; i++) dst[i] = scale * f(src[i]);
  return target;
}
