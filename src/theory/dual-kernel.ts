/**
 * Exact expected kernels of one random layer: for centred Gaussian pre-activations u ~ N(0, C) (C = the
 * n x n covariance of the inputs' pre-activations), Phi_ij = E[g(u_i) g(u_j)] with g = phi (the expected CK)
 * or g = phi' (what the NTK's weight term needs). "Exact" means the full Hermite (Mehler) series, not its
 * linearisation mu1^2 C + ...: Wang & Zhu's centring sqrt(d1/n)(CK - Phi) magnifies any error in Phi by sqrt(d1/n).
 *
 * How: closed forms for relu (arc-cosine kernels, Cho & Saul 2009), erf (Williams 1997) and linear; otherwise
 * Mehler's formula E[f(a x) g(b y)] = sum_k zeta_k(f, a) zeta_k(g, b) rho^k for |rho| <= 0.6 (64 terms: tail
 * < 0.6^65 ~ 4e-15), a 48 x 48 Gauss-Hermite product rule for the rare pairs with |rho| > 0.6, and the
 * one-dimensional E g(a x)^2 on the diagonal.
 */
import { InvalidOptionError, NonFiniteError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import type { ActivationName } from '../models/activations';
import { ActivationSpec, activationSpec } from './activation';
import { hermiteCoefficientsOf, ruleFor } from './hermite';
import { gaussHermite } from './quadrature';

/** Which function's kernel: phi (the expected CK) or phi' (the NTK's weight-gradient factor). */
export type DualOf = 'phi' | 'dphi';

const MEHLER_ORDER = 64;
const MEHLER_MAX_RHO = 0.6;
const PAIR_NODES = 96;

/** Closed form of E g(u) g(v), (u, v) with variances qa, qb and covariance c, where one is known. */
export function closedForm(name: string, of: DualOf): ((qa: number, qb: number, c: number) => number) | undefined {
  if (name === 'relu' && of === 'phi') {
    return (qa, qb, c) => {
      const s = Math.sqrt(qa * qb);
      const rho = Math.max(-1, Math.min(1, c / s));
      return (s * (Math.sqrt(1 - rho * rho) + (Math.PI - Math.acos(rho)) * rho)) / (2 * Math.PI);
    };
  }
  if (name === 'relu' && of === 'dphi') {
    return (qa, qb, c) => (Math.PI - Math.acos(Math.max(-1, Math.min(1, c / Math.sqrt(qa * qb))))) / (2 * Math.PI);
  }
  if (name === 'erf' && of === 'phi') {
    return (qa, qb, c) => (2 / Math.PI) * Math.asin(Math.max(-1, Math.min(1, (2 * c) / Math.sqrt((1 + 2 * qa) * (1 + 2 * qb)))));
  }
  if (name === 'erf' && of === 'dphi') {
    return (qa, qb, c) => 4 / Math.PI / Math.sqrt((1 + 2 * qa) * (1 + 2 * qb) - 4 * c * c);
  }
  if (name === 'linear') return of === 'phi' ? (_qa, _qb, c) => c : () => 1;
  return undefined;
}

/** E g(a x) g(b (rho x + sqrt(1 - rho^2) y)) by a product Gauss-Hermite rule. */
function pairByQuadrature(g: (z: number) => number, a: number, b: number, rho: number): number {
  const { nodes, weights } = gaussHermite(PAIR_NODES);
  const s = Math.sqrt(Math.max(0, 1 - rho * rho));
  let total = 0;
  for (let i = 0; i < nodes.length; i++) {
    const gx = g(a * nodes[i]);
    if (gx === 0) continue;
    let inner = 0;
    for (let j = 0; j < nodes.length; j++) inner += weights[j] * g(b * (rho * nodes[i] + s * nodes[j]));
    total += weights[i] * gx * inner;
  }
  return total;
}

/** E[g(u) g(v)] for one pair: variances qa, qb > 0, covariance c (|c| <= sqrt(qa qb)). */
export function expectedPair(act: ActivationName | ActivationSpec, qa: number, qb: number, c: number, of: DualOf = 'phi'): number {
  const spec = activationSpec(act);
  const g = of === 'phi' ? spec.f : spec.df;
  const closed = closedForm(spec.name, of);
  if (closed) return closed(qa, qb, c);
  const a = Math.sqrt(qa);
  const b = Math.sqrt(qb);
  const rho = Math.max(-1, Math.min(1, c / (a * b)));
  if (Math.abs(rho) > MEHLER_MAX_RHO) return pairByQuadrature(g, a, b, rho);
  const ca = hermiteCoefficientsOf(g, a, MEHLER_ORDER, ruleFor(spec, a));
  const cb = qb === qa ? ca : hermiteCoefficientsOf(g, b, MEHLER_ORDER, ruleFor(spec, b));
  let s = 0;
  for (let k = MEHLER_ORDER; k >= 0; k--) s = s * rho + ca[k] * cb[k];
  return s;
}

/** Checks a covariance matrix argument: square, finite, positive diagonal. */
function checkCovariance(fn: string, cov: Matrix): number {
  if (typeof cov !== 'object' || cov === null || !(cov.data instanceof Float64Array || cov.data instanceof Float32Array)) {
    throw new ShapeError(`${fn}: cov must be a Matrix {rows, cols, data} (float64 or float32)`);
  }
  if (cov.rows !== cov.cols || cov.data.length !== cov.rows * cov.cols) {
    throw new ShapeError(`${fn}: cov must be square n x n with n*n values, got ${cov.rows} x ${cov.cols} holding ${cov.data.length}`);
  }
  const n = cov.rows;
  for (let i = 0; i < cov.data.length; i++) {
    if (!Number.isFinite(cov.data[i])) throw new NonFiniteError(`${fn}: cov holds ${cov.data[i]} at (${Math.floor(i / n)}, ${i % n})`);
  }
  for (let i = 0; i < n; i++) {
    if (!(cov.data[i * n + i] > 0)) throw new InvalidOptionError(`${fn}: cov must have a positive diagonal (pre-activation variances), got cov[${i}][${i}] = ${cov.data[i * n + i]}`);
  }
  return n;
}

/**
 * Phi (n x n, float64, row-major) with Phi_ij = E[g(u_i) g(u_j)], u ~ N(0, cov), g = phi or phi'. cov is the
 * n x n covariance of the pre-activations (e.g. sigma_w^2 X X^T / d0 + sigma_b^2); only its lower triangle is read.
 */
export function expectedKernel(act: ActivationName | ActivationSpec, cov: Matrix, of: DualOf = 'phi'): Float64Array {
  const n = checkCovariance('expectedKernel', cov);
  if (of !== 'phi' && of !== 'dphi') throw new InvalidOptionError(`expectedKernel: of must be 'phi' or 'dphi', got '${String(of)}'`);
  const spec = activationSpec(act);
  const g = of === 'phi' ? spec.f : spec.df;
  const C = cov.data;
  const out = new Float64Array(n * n);
  const closed = closedForm(spec.name, of);
  if (closed) {
    for (let i = 0; i < n; i++) {
      const qi = C[i * n + i];
      for (let j = 0; j <= i; j++) {
        const v = closed(qi, C[j * n + j], C[i * n + j]);
        out[i * n + j] = v;
        out[j * n + i] = v;
      }
    }
    return out;
  }
  // Per-point Hermite coefficients of t -> g(sqrt(q_i) t); points with equal variances share one array.
  const coeffs: Float64Array[] = new Array(n);
  const byVariance = new Map<number, Float64Array>();
  const std = new Float64Array(n);
  const K = MEHLER_ORDER;
  for (let i = 0; i < n; i++) {
    const q = C[i * n + i];
    std[i] = Math.sqrt(q);
    let c = byVariance.get(q);
    if (!c) {
      c = hermiteCoefficientsOf(g, std[i], K, ruleFor(spec, std[i]));
      byVariance.set(q, c);
    }
    coeffs[i] = c;
  }
  const diagonal = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const q = C[i * n + i];
    let d = diagonal.get(q);
    if (d === undefined) {
      const s = std[i];
      const rule = ruleFor(spec, s);
      d = 0;
      for (let j = 0; j < rule.nodes.length; j++) {
        const v = g(s * rule.nodes[j]);
        d += rule.weights[j] * v * v;
      }
      diagonal.set(q, d);
    }
    out[i * n + i] = d;
  }
  for (let i = 1; i < n; i++) {
    const ci = coeffs[i];
    for (let j = 0; j < i; j++) {
      const rho = C[i * n + j] / (std[i] * std[j]);
      let v: number;
      if (Math.abs(rho) <= MEHLER_MAX_RHO) {
        const cj = coeffs[j];
        v = 0;
        if (ci === cj) for (let k = K; k >= 0; k--) v = v * rho + ci[k] * ci[k];
        else for (let k = K; k >= 0; k--) v = v * rho + ci[k] * cj[k];
      } else {
        v = pairByQuadrature(g, std[i], std[j], Math.max(-1, Math.min(1, rho)));
      }
      out[i * n + j] = v;
      out[j * n + i] = v;
    }
  }
  return out;
}
