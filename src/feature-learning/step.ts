/**
 * The first-layer step of Ba et al. 2022 (section 2): W1 = W0 + eta sqrt(N) G0, and the learning-rate regimes
 * the paper contrasts: eta = Theta(1) ('small', section on the small learning rate) and eta = Theta(sqrt N)
 * ('large'), or any eta = Theta(N^alpha) with alpha in [0, 1/2] (Figure 3(c)). A sweep gives the multiplier:
 * eta = factor * N^alpha.
 */
import { InvalidOptionError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';

/** eta = Theta(1) ('small'), eta = Theta(sqrt N) ('large'), or eta = Theta(N^exponent). */
export type LearningRateScaling = 'small' | 'large' | { exponent: number };

/** The exponent alpha of eta = factor * N^alpha (0 for 'small', 1/2 for 'large'). */
export function scalingExponent(scaling: LearningRateScaling): number {
  if (scaling === 'small') return 0;
  if (scaling === 'large') return 0.5;
  if (typeof scaling === 'object' && scaling !== null && Number.isFinite(scaling.exponent) && scaling.exponent >= 0 && scaling.exponent <= 1) {
    return scaling.exponent;
  }
  throw new InvalidOptionError(`learning-rate scaling must be 'small', 'large' or { exponent } with exponent in [0, 1], got ${JSON.stringify(scaling)}`);
}

/** The Arrow `scaling` label: 'theta-1', 'theta-sqrt-n', or 'n^<alpha>'. */
export function scalingLabel(scaling: LearningRateScaling): string {
  const alpha = scalingExponent(scaling);
  if (alpha === 0) return 'theta-1';
  if (alpha === 0.5) return 'theta-sqrt-n';
  return `n^${alpha}`;
}

/** Parses 'small' | 'large' | 'theta-1' | 'theta-sqrt-n' | 'n^0.25' (command-line spelling) into a scaling. */
export function parseScaling(text: string): LearningRateScaling {
  const t = text.trim().toLowerCase();
  if (t === 'small' || t === 'theta-1') return 'small';
  if (t === 'large' || t === 'theta-sqrt-n') return 'large';
  const m = /^n\^([0-9.eE+-]+)$/.exec(t);
  if (m) {
    const exponent = Number(m[1]);
    scalingExponent({ exponent });
    return { exponent };
  }
  throw new InvalidOptionError(`unknown learning-rate scaling '${text}'; expected small, large or n^<alpha> (e.g. n^0.25)`);
}

/** eta = factor * N^alpha for the scaling's alpha (factor >= 0, finite; N the width). */
export function learningRate(factor: number, scaling: LearningRateScaling, N: number): number {
  if (!(Number.isFinite(factor) && factor >= 0)) throw new InvalidOptionError(`learningRate: the factor must be a finite number >= 0, got ${factor}`);
  return factor * Math.pow(N, scalingExponent(scaling));
}

/** W1 = W0 + eta sqrt(N) G0 (both d x N, N = their column count; eta >= 0 finite). */
export function firstStep(W0: Matrix<Float64Array>, G0: Matrix<Float64Array>, eta: number): Matrix<Float64Array> {
  if (W0.rows !== G0.rows || W0.cols !== G0.cols) throw new ShapeError(`firstStep: W0 is ${W0.rows} x ${W0.cols}, G0 is ${G0.rows} x ${G0.cols}`);
  if (!(Number.isFinite(eta) && eta >= 0)) throw new InvalidOptionError(`firstStep: eta must be a finite number >= 0, got ${eta}`);
  const c = eta * Math.sqrt(W0.cols);
  const out = new Float64Array(W0.data.length);
  for (let i = 0; i < out.length; i++) out[i] = W0.data[i] + c * G0.data[i];
  return { rows: W0.rows, cols: W0.cols, data: out };
}
