/**
 * Hermite expansion of an activation under the standard Gaussian: phi(s xi) = sum_k zeta_k h_k(xi),
 * h_k = He_k / sqrt(k!) the orthonormal (probabilists') Hermite polynomials, xi ~ N(0, 1), s the
 * pre-activation's standard deviation. Coefficients by Gaussian quadrature (./quadrature: Gauss-Hermite,
 * split at relu's kink).
 *
 * Conventions (they differ between papers; docs/theory.md has the table):
 * - mu0 = E phi(s xi), mu1 = E[phi(s xi) xi] = s E phi'(s xi), mu_star^2 = E phi(s xi)^2 - mu0^2 - mu1^2
 *   (Ba et al. 2022, arXiv 2205.01445, section 2; mu_star is their mu_*).
 * - Fan & Wang (2020) write b_sigma = E sigma'(xi) for a normalised sigma: b_sigma = mu1 / sqrt(E phi^2) when mu0 = 0, s = 1.
 * - zeta_k is Wang & Zhu's (2021) k-th coefficient of the normalised Hermite expansion (zeta_1 = mu1).
 *
 *   const h = hermite('relu', { order: 4 });  // h.coefficients[0] = 1/sqrt(2 pi), [1] = 1/2, [2] = 1/(2 sqrt(pi)), [3] = 0
 */
import { InvalidOptionError } from '../errors';
import type { ActivationName } from '../models/activations';
import { ActivationSpec, activationSpec } from './activation';
import { gaussianRule, HERMITE_NODES, type QuadratureRule } from './quadrature';

/** Options of hermite(). */
export interface HermiteOptions {
  /** Highest coefficient index K (default 8): coefficients has K + 1 entries. */
  order?: number;
  /** Standard deviation s of the pre-activation (default 1): expands t -> phi(s t). */
  scale?: number;
}

/** The Hermite expansion of phi(s xi) and the Gaussian moments that theory needs. */
export interface HermiteExpansion {
  activation: string;
  scale: number;
  /** zeta_0 .. zeta_K: phi(s xi) = sum_k zeta_k h_k(xi), h_k orthonormal under N(0, 1). */
  coefficients: Float64Array;
  /** E phi(s xi) (= zeta_0). */
  mu0: number;
  /** E phi(s xi) xi (= zeta_1 = s E phi'(s xi)). */
  mu1: number;
  /** zeta_2 (Wang & Zhu's second coefficient). */
  mu2: number;
  /** sqrt(E phi^2 - mu0^2 - mu1^2): the part of phi beyond its linear one (Ba et al.'s mu_*). */
  muStar: number;
  /** E phi(s xi)^2 (= sum_k zeta_k^2). */
  secondMoment: number;
  /** E phi'(s xi): the derivative at the pre-activation (not of t -> phi(s t), which is s times it). */
  derivativeMean: number;
  /** E phi'(s xi)^2. */
  derivativeSecondMoment: number;
  /** Which quadrature: 'gauss-hermite' (smooth phi, scale <= 2.5) or 'split' (composite Gauss-Legendre, split at the kinks). */
  rule: 'gauss-hermite' | 'split';
}

/** Writes h_0(x) .. h_K(x) (orthonormal Hermite, stable three-term recurrence) into out. */
export function hermitePolynomials(x: number, order: number, out: Float64Array): Float64Array {
  out[0] = 1;
  if (order >= 1) out[1] = x;
  for (let k = 1; k < order; k++) out[k + 1] = (x * out[k] - Math.sqrt(k) * out[k - 1]) / Math.sqrt(k + 1);
  return out;
}

/** The quadrature rule for t -> g(s t): kinks of g at c move to c / s, and g(s t) varies on a scale 1 / s. */
export function ruleFor(spec: ActivationSpec, scale: number): QuadratureRule {
  return gaussianRule((spec.kinks ?? []).map((k) => k / scale), scale);
}

/** zeta_0..zeta_K of t -> g(s t) on a rule (g = phi or phi'). */
export function hermiteCoefficientsOf(g: (z: number) => number, scale: number, order: number, rule: QuadratureRule): Float64Array {
  const c = new Float64Array(order + 1);
  const h = new Float64Array(order + 1);
  const { nodes, weights } = rule;
  for (let j = 0; j < nodes.length; j++) {
    const w = weights[j];
    if (w === 0) continue;
    const v = w * g(scale * nodes[j]);
    if (v === 0) continue;
    hermitePolynomials(nodes[j], order, h);
    for (let k = 0; k <= order; k++) c[k] += v * h[k];
  }
  return c;
}

/** Hermite coefficients of phi(s xi) (K + 1 of them) and its Gaussian moments, by quadrature. */
export function hermite(act: ActivationName | ActivationSpec, opts: HermiteOptions = {}): HermiteExpansion {
  const spec = activationSpec(act);
  const order = opts.order ?? 8;
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(order) || order < 2 || order > 200) throw new InvalidOptionError(`hermite: opts.order must be an integer in 2..200, got ${order}`);
  if (!(Number.isFinite(scale) && scale > 0)) throw new InvalidOptionError(`hermite: opts.scale (the pre-activation's standard deviation) must be a positive finite number, got ${scale}`);
  const rule = ruleFor(spec, scale);
  const coefficients = hermiteCoefficientsOf(spec.f, scale, order, rule);
  let m2 = 0, d1 = 0, d2 = 0;
  for (let j = 0; j < rule.nodes.length; j++) {
    const w = rule.weights[j];
    if (w === 0) continue;
    const z = scale * rule.nodes[j];
    const f = spec.f(z);
    const df = spec.df(z);
    m2 += w * f * f;
    d1 += w * df;
    d2 += w * df * df;
  }
  const mu0 = coefficients[0];
  const mu1 = coefficients[1];
  return {
    activation: spec.name,
    scale,
    coefficients,
    mu0,
    mu1,
    mu2: coefficients[2],
    muStar: Math.sqrt(Math.max(0, m2 - mu0 * mu0 - mu1 * mu1)),
    secondMoment: m2,
    derivativeMean: d1,
    derivativeSecondMoment: d2,
    rule: rule.nodes.length === HERMITE_NODES ? 'gauss-hermite' : 'split',
  };
}
