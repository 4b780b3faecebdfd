/**
 * Scalar summaries of a spectrum: condition number and effective rank (two definitions, since papers use both).
 */
import { InvalidOptionError } from '../errors';

/** What summarize() reports about a spectrum (in the kernel's units). */
export interface SpectrumSummary {
  n: number;
  max: number;
  min: number;
  /** Sum of the eigenvalues (the kernel's trace). */
  trace: number;
  /** max / min over the spectrum when min > tolerance; Infinity for a (numerically) singular kernel. */
  conditionNumber: number;
  /** Eigenvalues above the tolerance. */
  numericalRank: number;
  /** Eigenvalues below -tolerance (a PSD kernel has none; float32 kernels show a few at the noise floor). */
  negative: number;
  /** The cut: n * eps * max|lambda| with eps = 2.2e-16 (numpy.linalg.matrix_rank's rule), unless given. */
  tolerance: number;
  /** exp(entropy of p_i = lambda_i / sum lambda) over the positive eigenvalues (Roy & Vetterli 2007). */
  effectiveRank: number;
  /** (sum lambda)^2 / sum lambda^2 over the positive eigenvalues: the participation ratio. */
  participationRatio: number;
}

/** Summary of the eigenvalues (any order; `tolerance` overrides the rank cut). */
export function summarize(eigenvalues: ArrayLike<number>, opts: { tolerance?: number } = {}): SpectrumSummary {
  const n = eigenvalues.length;
  if (n === 0) throw new InvalidOptionError('summarize: eigenvalues is empty');
  let max = -Infinity, min = Infinity, trace = 0, maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const v = eigenvalues[i];
    if (!Number.isFinite(v)) throw new InvalidOptionError(`summarize: eigenvalues[${i}] is ${v}`);
    max = Math.max(max, v);
    min = Math.min(min, v);
    trace += v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const tolerance = opts.tolerance ?? n * 2.220446049250313e-16 * maxAbs;
  let rank = 0, negative = 0, pos = 0, pos2 = 0;
  for (let i = 0; i < n; i++) {
    const v = eigenvalues[i];
    if (v > tolerance) rank++;
    if (v < -tolerance) negative++;
    if (v > 0) {
      pos += v;
      pos2 += v * v;
    }
  }
  let entropy = 0;
  if (pos > 0) {
    for (let i = 0; i < n; i++) {
      const v = eigenvalues[i];
      if (v > 0) {
        const p = v / pos;
        entropy -= p * Math.log(p);
      }
    }
  }
  return {
    n,
    max,
    min,
    trace,
    conditionNumber: min > tolerance ? max / min : Infinity,
    numericalRank: rank,
    negative,
    tolerance,
    effectiveRank: pos > 0 ? Math.exp(entropy) : 0,
    participationRatio: pos2 > 0 ? (pos * pos) / pos2 : 0,
  };
}
