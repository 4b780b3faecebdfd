/**
 * The dual kernel of one activation: for a centred Gaussian pair (u, v) with variances qa, qb and covariance c,
 * E[g(u) g(v)] with g = phi (the next layer's covariance, Cho & Saul's "dual") or g = phi' (the NTK's backward
 * factor). One DualMap serves a whole layer and caches what depends only on a variance.
 *
 * Routes, each accurate to ~1e-14 of sqrt(E g(u)^2 E g(v)^2):
 * - closed forms (../dual-kernel's closedForm): relu (arc-cosine kernels of degree 1 and 0, Cho & Saul 2009),
 *   erf (Williams 1997), linear;
 * - otherwise, for |rho| = |c| / sqrt(qa qb) <= 0.8, Mehler's formula E[g(a x) g(b y)] = sum_k zeta_k(a) zeta_k(b) rho^k
 *   with zeta_k(s) the orthonormal Hermite coefficients of t -> g(s t), 161 terms: by Cauchy-Schwarz the tail is
 *   below 0.8^161 sqrt(E g(u)^2 E g(v)^2) = 2.5e-16 of it (the coefficients come from ./rules coefficientRule);
 * - for |rho| > 0.8, the conditional form E[g(u) G(u)], G(u) = E[g(v) | u]: v | u is Gaussian with mean
 *   (c / qa) u and standard deviation sqrt(qb (1 - rho^2)), so the outer integral is one-dimensional at the larger
 *   scale and the inner one narrow (./rules smoothRule: the fewest Gauss-Hermite nodes that reach the scale, else
 *   composite Gauss-Legendre); the variable with the smaller variance is the inner one, which keeps its conditional
 *   spread below 0.6 min(a, b).
 * - the diagonal (c = qa = qb) by the one-dimensional E g(sqrt(q) xi)^2, and a zero variance by u = 0 exactly.
 */
import { activation, type ActivationName } from '../../models/activations';
import { closedForm, type DualOf } from '../dual-kernel';
import { hermitePolynomials } from '../hermite';
import type { QuadratureRule } from '../quadrature';
import { coefficientRule, smoothRule } from './rules';

const MEHLER_ORDER = 160;
const MEHLER_MAX_RHO = 0.8;

// h_0..h_K at every node of a coefficient rule, weights folded in (K + 1 rows of nodes.length): computed once per
// rule, so each variance's coefficients cost one pass of g and one matrix-vector product.
const hermiteTables = new WeakMap<QuadratureRule, Float64Array>();

function hermiteTable(rule: QuadratureRule): Float64Array {
  let table = hermiteTables.get(rule);
  if (!table) {
    const m = rule.nodes.length;
    table = new Float64Array((MEHLER_ORDER + 1) * m);
    const h = new Float64Array(MEHLER_ORDER + 1);
    for (let j = 0; j < m; j++) {
      hermitePolynomials(rule.nodes[j], MEHLER_ORDER, h);
      for (let k = 0; k <= MEHLER_ORDER; k++) table[k * m + j] = rule.weights[j] * h[k];
    }
    hermiteTables.set(rule, table);
  }
  return table;
}

/** E[g(u) g(v)] for one activation and one g (phi or phi'), with per-variance caches. */
export class DualMap {
  readonly activation: ActivationName;
  readonly of: DualOf;
  private readonly g: (z: number) => number;
  private readonly closed: ((qa: number, qb: number, c: number) => number) | undefined;
  private readonly coefficients = new Map<number, Float64Array>();
  private readonly squares = new Map<number, number>();
  private readonly means = new Map<number, number>();

  /** `useClosedForm: false` takes the Mehler and quadrature routes even where a closed form exists (tests check them on erf). */
  constructor(act: ActivationName, of: DualOf, useClosedForm = true) {
    const a = activation(act);
    this.activation = a.name;
    this.of = of;
    this.g = of === 'phi' ? a.f : a.df;
    this.closed = useClosedForm ? closedForm(a.name, of) : undefined;
  }

  /** E g(u)^2 for u ~ N(0, q), q >= 0. */
  diagonal(q: number): number {
    if (!(q > 0)) return this.g(0) ** 2;
    if (this.closed) return this.closed(q, q, q);
    let v = this.squares.get(q);
    if (v === undefined) {
      const s = Math.sqrt(q);
      const { nodes, weights } = smoothRule(this.activation, this.of, s);
      v = 0;
      for (let j = 0; j < nodes.length; j++) {
        const y = this.g(s * nodes[j]);
        v += weights[j] * y * y;
      }
      this.squares.set(q, v);
    }
    return v;
  }

  /** E g(u) g(v) for (u, v) centred Gaussian with Var u = qa, Var v = qb (both >= 0), Cov = c (clamped to |c| <= sqrt(qa qb)). */
  pair(qa: number, qb: number, c: number): number {
    if (!(qa > 0) || !(qb > 0)) return this.degenerate(qa, qb);
    const sab = Math.sqrt(qa * qb);
    const cc = Math.max(-sab, Math.min(sab, c));
    if (this.closed) return this.closed(qa, qb, cc);
    const rho = cc / sab;
    if (Math.abs(rho) <= MEHLER_MAX_RHO) {
      const za = this.zeta(qa);
      const zb = qb === qa ? za : this.zeta(qb);
      let s = 0;
      for (let k = MEHLER_ORDER; k >= 0; k--) s = s * rho + za[k] * zb[k];
      return s;
    }
    return qa >= qb ? this.conditional(qa, qb, rho) : this.conditional(qb, qa, rho);
  }

  /** One variance is zero, so that variable is exactly 0: E g(0) g(v) = g(0) E g(v). */
  private degenerate(qa: number, qb: number): number {
    const g0 = this.g(0);
    if (g0 === 0) return 0;
    const q = qa > 0 ? qa : qb > 0 ? qb : 0;
    if (q === 0) return g0 * g0;
    let m = this.means.get(q);
    if (m === undefined) {
      const s = Math.sqrt(q);
      const { nodes, weights } = smoothRule(this.activation, this.of, s);
      m = 0;
      for (let j = 0; j < nodes.length; j++) m += weights[j] * this.g(s * nodes[j]);
      this.means.set(q, m);
    }
    return g0 * m;
  }

  private zeta(q: number): Float64Array {
    let z = this.coefficients.get(q);
    if (!z) {
      const s = Math.sqrt(q);
      const rule = coefficientRule(s);
      const table = hermiteTable(rule);
      const m = rule.nodes.length;
      const gs = new Float64Array(m);
      for (let j = 0; j < m; j++) gs[j] = this.g(s * rule.nodes[j]);
      z = new Float64Array(MEHLER_ORDER + 1);
      for (let k = 0; k <= MEHLER_ORDER; k++) {
        let acc = 0;
        const row = k * m;
        for (let j = 0; j < m; j++) acc += table[row + j] * gs[j];
        z[k] = acc;
      }
      this.coefficients.set(q, z);
    }
    return z;
  }

  /**
   * E g(u) g(v) with Var u = qOuter >= Var v = qInner and correlation rho: u = a x, v = b (rho x + sqrt(1 - rho^2) y),
   * x, y independent N(0, 1); outer over x (scale a), inner over y (spread b sqrt(1 - rho^2)).
   */
  private conditional(qOuter: number, qInner: number, rho: number): number {
    const a = Math.sqrt(qOuter);
    const b = Math.sqrt(qInner);
    const spread = b * Math.sqrt(Math.max(0, 1 - rho * rho));
    const outer = smoothRule(this.activation, this.of, a);
    const inner = smoothRule(this.activation, this.of, spread);
    const g = this.g;
    const yn = inner.nodes;
    const yw = inner.weights;
    const slope = b * rho;
    let total = 0;
    for (let i = 0; i < outer.nodes.length; i++) {
      const x = outer.nodes[i];
      const gx = outer.weights[i] * g(a * x);
      if (gx === 0) continue;
      const mean = slope * x;
      let G = 0;
      for (let j = 0; j < yn.length; j++) G += yw[j] * g(mean + spread * yn[j]);
      total += gx * G;
    }
    return total;
  }
}
