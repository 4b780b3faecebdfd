/**
 * The robust solver behind every law: Newton's method on u - U(u; z) = 0 (Jacobian by forward differences,
 * steps halved until the residual decreases), started from the previous grid point's solution, and when that
 * fails, by continuation in Im z: from far above the real axis, where U contracts and the physical branch is
 * the only one near `initial`, down to the target Im z in geometric steps (halved where Newton fails). A
 * solution counts only if Im m(z) >= 0, the sign every Stieltjes transform of a measure has for Im z > 0.
 */
import { ConvergenceError } from './errors';
import type { Complex } from './complex';
import type { FixedPointProblem } from './law';

/** A converged fixed point and the Stieltjes transform there. */
export interface Solution {
  u: Float64Array;
  m: Complex;
}

const TOL = 1e-12;
const MAX_NEWTON = 60;

/** Solves a law's fixed point at points z of the upper half-plane; `width` is the scale of the spectrum (tolerances, far start). */
export class StieltjesSolver {
  private readonly k: number;
  private readonly tmp: Float64Array;
  private readonly fu: Float64Array;
  private readonly jre: Float64Array;
  private readonly jim: Float64Array;

  constructor(private readonly problem: FixedPointProblem, private readonly width: number) {
    this.k = problem.size;
    this.tmp = new Float64Array(2 * this.k);
    this.fu = new Float64Array(2 * this.k);
    this.jre = new Float64Array(this.k * this.k);
    this.jim = new Float64Array(this.k * this.k);
  }

  /** The solution at z (Im z > 0): Newton from `warm` if given, else (or if that fails) continuation from far away. */
  solve(z: Complex, warm?: Float64Array): Solution {
    if (warm) {
      const u = this.newton(warm, z);
      if (u) {
        const m = this.problem.stieltjes(u, z);
        if (this.physical(u, m)) return { u, m };
      }
    }
    return this.continuation(z);
  }

  private physical(u: Float64Array, m: Complex): boolean {
    if (this.problem.admissible && !this.problem.admissible(u)) return false;
    return Number.isFinite(m.re) && Number.isFinite(m.im) && m.im >= -1e-9 * Math.hypot(m.re, m.im);
  }

  /** Residual F(u) = u - U(u) into out; returns its max-norm. */
  private residual(u: Float64Array, z: Complex, out: Float64Array): number {
    this.problem.map(u, z, out);
    let r = 0;
    for (let i = 0; i < out.length; i++) {
      out[i] = u[i] - out[i];
      r = Math.max(r, Math.abs(out[i]));
    }
    return Number.isFinite(r) ? r : Infinity;
  }

  private newton(start: Float64Array, z: Complex): Float64Array | undefined {
    const k = this.k;
    let u = Float64Array.from(start);
    const f = new Float64Array(2 * k);
    let norm = this.residual(u, z, f);
    const plus = new Float64Array(2 * k);
    const fp = new Float64Array(2 * k);
    for (let it = 0; it < MAX_NEWTON; it++) {
      let size = 0;
      for (let i = 0; i < 2 * k; i++) size = Math.max(size, Math.abs(u[i]));
      // Relative: near an atom the physical u is ~eta-small, and an absolute tolerance would accept anything.
      if (norm <= TOL * size || norm === 0) return u;
      // Jacobian of F, column j: (F(u + h e_j) - F(u)) / h along the real direction (F is holomorphic); its
      // 1e-7 relative error only slows Newton's last digits.
      for (let j = 0; j < k; j++) {
        const h = 1e-7 * Math.max(Math.hypot(u[2 * j], u[2 * j + 1]), 1e-3 * size) || 1e-300;
        plus.set(u);
        plus[2 * j] += h;
        this.residual(plus, z, fp);
        for (let i = 0; i < k; i++) {
          this.jre[i * k + j] = (fp[2 * i] - f[2 * i]) / h;
          this.jim[i * k + j] = (fp[2 * i + 1] - f[2 * i + 1]) / h;
        }
      }
      const step = solveComplex(this.jre, this.jim, f, k);
      if (!step) return undefined;
      let lambda = 1;
      let accepted = false;
      for (let half = 0; half < 30; half++) {
        for (let i = 0; i < 2 * k; i++) this.tmp[i] = u[i] - lambda * step[i];
        const r = this.residual(this.tmp, z, this.fu);
        if (r < norm || r <= TOL * size) {
          u = Float64Array.from(this.tmp);
          f.set(this.fu);
          norm = r;
          accepted = true;
          break;
        }
        lambda /= 2;
      }
      if (!accepted) return norm <= 1e3 * TOL * size ? u : undefined;
    }
    return undefined;
  }

  private continuation(z: Complex): Solution {
    const target = z.im;
    let eta = Math.max(target, 4 * this.width, 4 * Math.abs(z.re));
    let zc = { re: z.re, im: eta };
    let u = this.problem.initial(zc);
    // Far away U contracts: a few plain iterations land next to the physical solution.
    const next = new Float64Array(u.length);
    for (let it = 0; it < 50; it++) {
      this.problem.map(u, zc, next);
      u.set(next);
    }
    const first = this.newton(u, zc);
    if (!first) throw new ConvergenceError(`Stieltjes fixed point did not converge at z = ${z.re} + ${eta}i (far start)`);
    u = first;
    let ratio = 0.25;
    while (eta > target) {
      const e = Math.max(target, eta * ratio);
      zc = { re: z.re, im: e };
      const v = this.newton(u, zc);
      if (v && this.physical(v, this.problem.stieltjes(v, zc))) {
        u = v;
        eta = e;
        ratio = Math.max(0.05, ratio * ratio);
        continue;
      }
      ratio = Math.sqrt(ratio);
      if (ratio > 0.999) throw new ConvergenceError(`Stieltjes fixed point lost the physical branch at z = ${z.re} + ${e}i`);
    }
    return { u, m: this.problem.stieltjes(u, { re: z.re, im: target }) };
  }
}

/** Solves J x = f (J = jre + i jim, k x k row-major; f interleaved) by Gaussian elimination with partial pivoting. */
function solveComplex(jre: Float64Array, jim: Float64Array, f: Float64Array, k: number): Float64Array | undefined {
  const ar = Float64Array.from(jre);
  const ai = Float64Array.from(jim);
  const br = new Float64Array(k);
  const bi = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    br[i] = f[2 * i];
    bi[i] = f[2 * i + 1];
  }
  for (let c = 0; c < k; c++) {
    let p = c;
    let best = Math.hypot(ar[c * k + c], ai[c * k + c]);
    for (let r = c + 1; r < k; r++) {
      const v = Math.hypot(ar[r * k + c], ai[r * k + c]);
      if (v > best) { best = v; p = r; }
    }
    if (!(best > 0) || !Number.isFinite(best)) return undefined;
    if (p !== c) {
      for (let j = 0; j < k; j++) {
        [ar[c * k + j], ar[p * k + j]] = [ar[p * k + j], ar[c * k + j]];
        [ai[c * k + j], ai[p * k + j]] = [ai[p * k + j], ai[c * k + j]];
      }
      [br[c], br[p]] = [br[p], br[c]];
      [bi[c], bi[p]] = [bi[p], bi[c]];
    }
    const dr = ar[c * k + c], di = ai[c * k + c];
    const dd = dr * dr + di * di;
    for (let r = c + 1; r < k; r++) {
      const nr = ar[r * k + c], ni = ai[r * k + c];
      // factor = a_rc / a_cc
      const fr = (nr * dr + ni * di) / dd;
      const fi = (ni * dr - nr * di) / dd;
      for (let j = c; j < k; j++) {
        const xr = ar[c * k + j], xi = ai[c * k + j];
        ar[r * k + j] -= fr * xr - fi * xi;
        ai[r * k + j] -= fr * xi + fi * xr;
      }
      br[r] -= fr * br[c] - fi * bi[c];
      bi[r] -= fr * bi[c] + fi * br[c];
    }
  }
  const x = new Float64Array(2 * k);
  for (let r = k - 1; r >= 0; r--) {
    let sr = br[r], si = bi[r];
    for (let j = r + 1; j < k; j++) {
      const xr = x[2 * j], xi = x[2 * j + 1];
      sr -= ar[r * k + j] * xr - ai[r * k + j] * xi;
      si -= ar[r * k + j] * xi + ai[r * k + j] * xr;
    }
    const dr = ar[r * k + r], di = ai[r * k + r];
    const dd = dr * dr + di * di;
    x[2 * r] = (sr * dr + si * di) / dd;
    x[2 * r + 1] = (si * dr - sr * di) / dd;
  }
  return x;
}
