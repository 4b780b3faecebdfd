/**
 * The spike of the first gradient (Ba et al. 2022, Proposition 2): G0 is close in operator norm to the rank-one
 *   A = (mu1 / (n sqrt N)) X^T y a^T,
 * so its top singular value stands far above the rest and its top left singular vector points along
 * X^T y / n, i.e. along the teacher's linear component mu1* beta* (up to the sampling noise ~ sqrt(d/n)).
 * Measured here: the top singular values, |<u_1, beta*>|, ||G0 - A||_op / ||A||_op, and the learning rate at
 * which the step's spike eta sqrt(N) s_1(G0) reaches the BBP threshold (N/d)^(1/4) of W0's bulk (W0's entries
 * have variance 1/d; for a d x N Gaussian matrix with entries of variance 1/N a rank-one spike separates
 * beyond (d/N)^(1/4), Benaych-Georges & Nadakuditi 2012; rescaled by sqrt(N/d)). The BBP estimate treats the
 * spike as independent of W0, which it is only approximately.
 */
import { ShapeError } from '../errors';
import { type Matrix, eighAsync, gramAsync } from '../linalg';
import { alignmentOf, gramSide, topSingular } from './singular';
import { matTVec, norm2 } from './vectors';

/** What the gradient's spectrum says. */
export interface GradientSpike {
  /** Top singular values of G0, descending (k of them). */
  singularValues: Float64Array;
  /** |<u_1(G0), beta*>|: alignment of G0's top left singular vector with the teacher direction. */
  alignment: number;
  /** ||G0 - A||_op / ||A||_op (Proposition 2's approximation error, relative). */
  residual: number;
  /** ||G0||_F (the step changes W by eta sqrt(N) ||G0||_F in Frobenius norm). */
  frobenius: number;
  /** eta at which the step's top singular value eta sqrt(N) s_1(G0) equals (N/d)^(1/4): the predicted BBP transition of W1. */
  etaBbp: number;
}

/** Inputs of gradientSpike besides G0 (d x N). */
export interface GradientSpikeInputs {
  /** Teacher direction beta* (length d, unit norm). */
  beta: Float64Array;
  /** The step's inputs X (n x d) and labels y (n). */
  x: Matrix<Float64Array>;
  y: ArrayLike<number>;
  /** Second layer a (length N). */
  a: Float64Array;
  /** mu1 = E sigma(xi) xi of the student's activation (Hermite coefficient, pre-activation variance 1). */
  mu1: number;
  /** How many top singular values to report (default 3, at least 2). */
  k?: number;
}

/** Spike measurements of G0 (d x N): top singular values, alignment with beta*, Proposition 2's residual, the BBP learning rate. */
export async function gradientSpike(G0: Matrix<Float64Array>, inputs: GradientSpikeInputs): Promise<GradientSpike> {
  const { beta, x, y, a, mu1 } = inputs;
  const d = G0.rows;
  const N = G0.cols;
  const n = x.rows;
  if (beta.length !== d) throw new ShapeError(`gradientSpike: beta has length ${beta.length}, G0 is ${d} x ${N}`);
  if (x.cols !== d || y.length !== n) throw new ShapeError(`gradientSpike: x is ${x.rows} x ${x.cols} and y has length ${y.length}; need n x ${d} and n`);
  if (a.length !== N) throw new ShapeError(`gradientSpike: a has length ${a.length}, G0 has ${N} columns`);
  const k = Math.max(2, Math.min(inputs.k ?? 3, Math.min(d, N)));
  const top = await topSingular(G0, beta, k);

  // G0 - A, A = (mu1 / (n sqrt N)) (X^T y) a^T, formed explicitly (d x N) for its operator norm.
  const xty = matTVec(x, y);
  const scale = mu1 / (n * Math.sqrt(N));
  const diff = new Float64Array(d * N);
  for (let i = 0; i < d; i++) {
    const u = scale * xty[i];
    const o = i * N;
    for (let j = 0; j < N; j++) diff[o + j] = G0.data[o + j] - u * a[j];
  }
  const side = gramSide(d, N);
  const gram = await gramAsync({ rows: d, cols: N, data: diff }, { trans: side === 'right' });
  const m = gram.rows;
  const { values } = await eighAsync(gram, { range: { lower: m - 1, upper: m - 1 }, checkSymmetric: false });
  const normA = Math.abs(scale) * norm2(xty) * norm2(a);
  const residual = normA > 0 ? Math.sqrt(Math.max(0, values[0])) / normA : NaN;

  let fro = 0;
  for (let i = 0; i < G0.data.length; i++) fro += G0.data[i] * G0.data[i];
  const s1 = top.values[0];
  return {
    singularValues: top.values,
    alignment: alignmentOf(top.projections[0]),
    residual,
    frobenius: Math.sqrt(fro),
    etaBbp: s1 > 0 ? Math.pow(N / d, 0.25) / (Math.sqrt(N) * s1) : Infinity,
  };
}
