/**
 * Wang & Zhu (arXiv 2109.09304, Ann. Appl. Probab. 2024): the deformed semicircle law of ultra-wide networks.
 * For f(X) = a^T sigma(W X) / sqrt(d1) with W (d1 x d0) Gaussian and d1 / n -> infinity, the centred, rescaled CK
 *   sqrt(d1 / n) (CK - Phi),   CK = sigma(WX)^T sigma(WX) / d1,   Phi = E CK (the exact expected kernel),
 * has the limiting spectrum mu_s boxtimes nu, the free multiplicative convolution of the standard semicircle
 * with nu = the limit spectrum of Phi (for unit-norm, nearly orthogonal inputs nu is the law of
 * mu_*^2 + mu1^2 lambda, lambda ~ the spectrum of X^T X, with sigma centred); the centred NTK has the same limit
 * with Phi replaced by E NTK (the weight-gradient part's fluctuations are of lower order).
 *
 * Stieltjes fixed point (derivation in docs/theory.md): the fluctuation (1/sqrt(n d1)) sum_r (y_r y_r^T - Phi),
 * y_r = sigma(X^T w_r), has the resolvent's deterministic equivalent (-z - h(g) Phi)^{-1}, so
 *   g(z) = integral t dnu(t) / (-z - t h(g)),   m(z) = integral dnu(t) / (-z - t h(g)),   h(g) = g.
 * Finite-width correction (alpha = d1 / n < infinity): the same sum is a sample covariance of d1 rows minus its
 * mean, whose deterministic equivalent (Bai & Silverstein's, with a shift) gives h(g) = g / (1 + g / sqrt(alpha));
 * it is exactly the law of sqrt(alpha) (Phi^{1/2} S Phi^{1/2} - Phi) with S a Wishart of ratio n / d1 = 1 / alpha,
 * the Gaussian-equivalent model of the finite-width CK (Fan & Wang's CK law at gamma = 1/alpha, centred).
 * At d1 / n = 50 this correction moves the KS distance to a sampled CK from ~0.02 to ~0.003 (test/theory).
 */
import { InvalidOptionError } from '../errors';
import type { Complex } from './complex';
import type { FixedPointProblem, SpectralLaw } from './law';
import { marchenkoPasturDensity } from './marchenko-pastur';
import { discreteMeasure, DiscreteMeasure, pointMass } from './measure';

/** Parameters of the deformed semicircle law. */
export interface DeformedSemicircleParams {
  /** nu: the spectrum of the expected kernel Phi (eigenvalues, >= 0), as a measure or as the eigenvalues themselves. */
  nu: DiscreteMeasure | ArrayLike<number>;
  /** alpha = d1 / n (width over samples), > 0; Infinity (default) for the ultra-wide limit itself. */
  widthRatio?: number;
}

function asMeasure(nu: DiscreteMeasure | ArrayLike<number>): DiscreteMeasure {
  if (typeof nu === 'object' && nu !== null && 'values' in nu && 'weights' in nu) return nu;
  return discreteMeasure(nu as ArrayLike<number>, undefined, 'nu');
}

// The unknown is h = g / (1 + c g), not g: near an atom of the law g blows up like 1/eta while h stays bounded
// (it tends to 1/c), which keeps Newton away from the unphysical root there. Fixed point: h = G / (1 + c G),
// G(h) = integral t dnu(t) / (-z - t h); Im h > 0 on the physical branch.
function problemFor(nu: DiscreteMeasure, alpha: number): FixedPointProblem {
  const t = nu.values;
  const p = nu.weights;
  const c = Number.isFinite(alpha) ? 1 / Math.sqrt(alpha) : 0;
  let mean = 0;
  for (let i = 0; i < t.length; i++) mean += p[i] * t[i];
  // sum_i p_i t_i^k / (-z - t_i h), k = 0 or 1
  const sum = (z: Complex, hr: number, hi: number, k: 0 | 1): Complex => {
    let sr = 0, si = 0;
    for (let i = 0; i < t.length; i++) {
      const dr = -z.re - t[i] * hr, di = -z.im - t[i] * hi;
      const dd = dr * dr + di * di;
      const num = k === 1 ? p[i] * t[i] : p[i];
      sr += (num * dr) / dd;
      si -= (num * di) / dd;
    }
    return { re: sr, im: si };
  };
  return {
    size: 1,
    initial(z: Complex): Float64Array {
      const dd = z.re * z.re + z.im * z.im;
      return Float64Array.of((-mean * z.re) / dd, (mean * z.im) / dd);
    },
    map(u: Float64Array, z: Complex, out: Float64Array): void {
      const g = sum(z, u[0], u[1], 1);
      const dr = 1 + c * g.re, di = c * g.im;
      const dd = dr * dr + di * di;
      out[0] = (g.re * dr + g.im * di) / dd;
      out[1] = (g.im * dr - g.re * di) / dd;
    },
    stieltjes(u: Float64Array, z: Complex): Complex {
      return sum(z, u[0], u[1], 0);
    },
    admissible(u: Float64Array): boolean {
      return u[1] >= 0;
    },
  };
}

/** The closed-form density of the semicircle law with variance sigma^2: sqrt(4 sigma^2 - x^2) / (2 pi sigma^2) on [-2 sigma, 2 sigma]. */
export function semicircleDensity(x: number, params: { variance?: number } = {}): number {
  const s2 = params.variance ?? 1;
  if (!(Number.isFinite(s2) && s2 > 0)) throw new InvalidOptionError(`semicircleDensity: variance (sigma^2) must be a finite number > 0, got ${s2}`);
  return x * x >= 4 * s2 ? 0 : Math.sqrt(4 * s2 - x * x) / (2 * Math.PI * s2);
}

/** The deformed semicircle mu_s boxtimes nu (widthRatio = Infinity), or its finite-width correction (see the file comment). */
export function deformedSemicircle(params: DeformedSemicircleParams): SpectralLaw {
  const nu = asMeasure(params.nu);
  const alpha = params.widthRatio ?? Infinity;
  if (!(alpha > 0) || Number.isNaN(alpha)) throw new InvalidOptionError(`deformedSemicircle: widthRatio (alpha = d1 / n) must be > 0 (Infinity for the ultra-wide limit), got ${alpha}`);
  const t = nu.values;
  const tMax = t[t.length - 1];
  if (t[0] < -1e-9 * Math.max(1, Math.abs(tMax))) {
    throw new InvalidOptionError(`deformedSemicircle: nu is the spectrum of an expected kernel (positive semi-definite) and must be >= 0, got ${t[0]}`);
  }
  if (!(tMax > 0)) throw new InvalidOptionError('deformedSemicircle: nu must have positive mass away from 0 (all its atoms are 0)');
  const c = Number.isFinite(alpha) ? 1 / Math.sqrt(alpha) : 0;
  let mean = 0;
  for (let i = 0; i < t.length; i++) mean += nu.weights[i] * t[i];
  const candidates = new Set<number>();
  if (t[0] <= 1e-12 * tMax) candidates.add(0);
  // Below width n (alpha < 1) the CK has rank d1: heavy atoms t of nu leave atoms at -sqrt(alpha) t.
  if (alpha < 1) t.forEach((ti, i) => { if (nu.weights[i] >= 0.01) candidates.add(-Math.sqrt(alpha) * ti); });
  const law: SpectralLaw = {
    name: 'deformed-semicircle',
    params: { widthRatio: Number.isFinite(alpha) ? alpha : 'infinity', nuAtoms: t.length, nuMean: mean, nuMin: t[0], nuMax: tMax },
    citation: Number.isFinite(alpha)
      ? 'Wang & Zhu (arXiv 2109.09304), deformed semicircle law, with the finite-width (Gaussian-equivalent) correction of docs/theory.md'
      : 'Wang & Zhu (arXiv 2109.09304), deformed semicircle law mu_s boxtimes nu',
    bounds: [-2 * tMax, (2 + c) * tMax],
    atomCandidates: [...candidates],
    problem: problemFor(nu, alpha),
  };
  if (t.length === 1) {
    const t0 = t[0];
    law.closedForm = Number.isFinite(alpha)
      ? (x) => marchenkoPasturDensity(1 + x / (Math.sqrt(alpha) * t0), { ratio: 1 / alpha }) / (Math.sqrt(alpha) * t0)
      : (x) => semicircleDensity(x, { variance: t0 * t0 });
  }
  return law;
}

/** The semicircle law of variance sigma^2 (Wigner 1958): the deformed semicircle with nu = delta_sigma, support [-2 sigma, 2 sigma]. */
export function semicircle(params: { variance?: number } = {}): SpectralLaw {
  const s2 = params.variance ?? 1;
  if (!(Number.isFinite(s2) && s2 > 0)) throw new InvalidOptionError(`semicircle: variance (sigma^2) must be a finite number > 0, got ${s2}`);
  const law = deformedSemicircle({ nu: pointMass(Math.sqrt(s2)) });
  return {
    ...law,
    name: 'semicircle',
    params: { variance: s2 },
    citation: 'Wigner (1958); Anderson, Guionnet & Zeitouni (2010), Theorem 2.1.1',
    closedForm: (x) => semicircleDensity(x, { variance: s2 }),
  };
}
