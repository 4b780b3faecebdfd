/**
 * The Marchenko-Pastur law (Marchenko & Pastur 1967): the limiting spectrum of S = X X^T / N for X p x N with
 * iid entries of mean 0 and variance sigma^2, p / N -> gamma. Support [sigma^2 (1 - sqrt gamma)^2, sigma^2 (1 + sqrt gamma)^2],
 * density sqrt((b - x)(x - a)) / (2 pi sigma^2 gamma x), and an atom of mass 1 - 1/gamma at 0 when gamma > 1
 * (Bai & Silverstein 2010, Spectral Analysis of Large Dimensional Random Matrices, chapter 3).
 * Computed like every law, from its Stieltjes fixed point m = 1 / (sigma^2 (1 - gamma - gamma z m) - z): it is the
 * one-layer linear case of ./linear-width (b = 1, input spectrum delta_{sigma^2}); the closed form is kept for checks.
 */
import { InvalidOptionError } from '../errors';
import type { SpectralLaw } from './law';
import { linearWidthBounds, linearWidthProblem, LinearWidthSpec } from './linear-width';
import { pointMass } from './measure';

/** Parameters of the Marchenko-Pastur law. */
export interface MarchenkoPasturParams {
  /** gamma = p / N (rows over columns of X), > 0. */
  ratio: number;
  /** sigma^2, the entries' variance, > 0 (default 1). */
  variance?: number;
}

function check(fn: string, p: MarchenkoPasturParams): { gamma: number; s2: number } {
  const gamma = p.ratio;
  const s2 = p.variance ?? 1;
  if (!(Number.isFinite(gamma) && gamma > 0)) throw new InvalidOptionError(`${fn}: ratio (gamma = p / N) must be a finite number > 0, got ${gamma}`);
  if (!(Number.isFinite(s2) && s2 > 0)) throw new InvalidOptionError(`${fn}: variance (sigma^2) must be a finite number > 0, got ${s2}`);
  return { gamma, s2 };
}

/** The closed-form density of MP(gamma, sigma^2) at x (the continuous part; the atom is separate). */
export function marchenkoPasturDensity(x: number, params: MarchenkoPasturParams): number {
  const { gamma, s2 } = check('marchenkoPasturDensity', params);
  const a = s2 * (1 - Math.sqrt(gamma)) ** 2;
  const b = s2 * (1 + Math.sqrt(gamma)) ** 2;
  if (x <= a || x >= b) return 0;
  return Math.sqrt((b - x) * (x - a)) / (2 * Math.PI * s2 * gamma * x);
}

/** The Marchenko-Pastur law MP(gamma, sigma^2) as a SpectralLaw (eigenvalues of X X^T / N, X p x N, p / N = gamma). */
export function marchenkoPastur(params: MarchenkoPasturParams): SpectralLaw {
  const { gamma, s2 } = check('marchenkoPastur', params);
  const spec: LinearWidthSpec = { input: pointMass(s2), layers: [{ ratio: gamma, b: 1 }], identity: 0, weights: [0, 1] };
  const [lo, hi] = linearWidthBounds(spec);
  return {
    name: 'marchenko-pastur',
    params: { ratio: gamma, variance: s2 },
    citation: 'Marchenko & Pastur (1967); Bai & Silverstein (2010), chapter 3',
    bounds: [lo, hi],
    atomCandidates: gamma > 1 ? [0] : [],
    problem: linearWidthProblem(spec),
    closedForm: (x) => marchenkoPasturDensity(x, params),
    closedFormAtoms: gamma > 1 ? [{ at: 0, mass: 1 - 1 / gamma }] : [],
  };
}
