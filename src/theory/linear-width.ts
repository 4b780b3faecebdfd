/**
 * The fixed point behind Fan & Wang's laws (arXiv 2005.11879): the limiting spectrum of
 *   K = r I + sum_{l=0..L} q_l G_l,   G_l = X_l^T X_l (n x n),   X_l = sigma_l(W_l X_{l-1}) / sqrt(d_l),
 * with n / d_l -> gamma_l, W_l iid N(0, 1), sigma_l normalised (E sigma_l(xi) = 0, E sigma_l(xi)^2 = 1),
 * b_l = E sigma_l'(xi), and G_0 the input Gram (unit-norm, nearly orthogonal columns) with a known spectrum.
 *
 * Derivation (the one Fan & Wang's proofs follow): given X_{l-1}, the rows of sqrt(d_l) X_l are iid with
 * covariance Phi_l = (1 - b_l^2) I + b_l^2 G_{l-1} (+ low rank, which does not move the spectrum), so the
 * resolvent of a matrix M_l = A + c_l G_l (A independent of W_l) has the deterministic equivalent
 * (Marchenko-Pastur / Silverstein; Louart, Liao & Couillet 2018 for nonlinear features)
 *   M_l^{-1} ~ (A + S_l Phi_l)^{-1},   S_l = c_l / (1 + c_l gamma_l t_l),   t_l = (1/n) tr(Phi_l (A + S_l Phi_l)^{-1}).
 * A + S_l Phi_l has the same form one layer down (coefficients of I and G_{l-1} grow by S_l (1 - b_l^2) and
 * S_l b_l^2), so peeling layers L..1 leaves (c_I + c_0 G_0)^{-1}, whose traces are sums over G_0's spectrum.
 * A trace tr(W M_l^{-1}) with W = w_I I + sum_k w_k G_k first removes its top term exactly,
 * w_l G_l M_l^{-1} = (w_l / c_l)(I - (M_l - c_l G_l) M_l^{-1}), then descends. The unknowns are S_1..S_L
 * (complex); m(z) = (1/n) tr (K - z)^{-1} is the trace with W = I after the peeling.
 * For the CK of layer L alone (r = 0, q = e_L) this is the iterated Marchenko-Pastur map
 * mu_L = MP_{gamma_L} boxtimes ((1 - b_L^2) + b_L^2 mu_{L-1}) of Fan & Wang.
 */
import { InvalidOptionError } from '../errors';
import type { Complex } from './complex';
import type { FixedPointProblem } from './law';
import type { DiscreteMeasure } from './measure';

/** One hidden layer: gamma = n / d_l (samples over width) and b = E sigma_l'(xi) of its normalised activation. */
export interface LinearWidthLayer {
  ratio: number;
  b: number;
}

/** K = identity * I + sum_l weights[l] G_l over `layers`, from the input spectrum (law of G_0). */
export interface LinearWidthSpec {
  input: DiscreteMeasure;
  layers: readonly LinearWidthLayer[];
  identity: number;
  /** q_0 .. q_L (L + 1 values, >= 0). */
  weights: readonly number[];
}

/** Checks a spec: ratios > 0, |b| <= 1, weights >= 0 and finite, input atoms >= 0 (a Gram spectrum). */
export function checkLinearWidth(fn: string, spec: LinearWidthSpec): void {
  const L = spec.layers.length;
  spec.layers.forEach((layer, i) => {
    if (!(Number.isFinite(layer.ratio) && layer.ratio > 0)) {
      throw new InvalidOptionError(`${fn}: layers[${i}].ratio (gamma = n / d_${i + 1}) must be a finite number > 0, got ${layer.ratio}`);
    }
    if (!(Number.isFinite(layer.b) && Math.abs(layer.b) <= 1 + 1e-12)) {
      throw new InvalidOptionError(
        `${fn}: layers[${i}].b = E sigma'(xi) must lie in [-1, 1] (for a normalised activation b = E[sigma(xi) xi] <= sqrt(E sigma^2) = 1), got ${layer.b}`,
      );
    }
  });
  if (spec.weights.length !== L + 1) throw new InvalidOptionError(`${fn}: weights must hold L + 1 = ${L + 1} values (q_0..q_L), got ${spec.weights.length}`);
  spec.weights.forEach((q, i) => {
    if (!(Number.isFinite(q) && q >= 0)) throw new InvalidOptionError(`${fn}: weights[${i}] (q_${i}) must be finite and >= 0, got ${q}`);
  });
  if (!Number.isFinite(spec.identity)) throw new InvalidOptionError(`${fn}: identity (r) must be finite, got ${spec.identity}`);
  const v = spec.input.values;
  if (v[0] < -1e-9 * Math.max(1, Math.abs(v[v.length - 1]))) {
    throw new InvalidOptionError(`${fn}: the input spectrum is that of a Gram matrix and must be >= 0, got ${v[0]}`);
  }
}

/** An interval that contains the support: [r, r + sum_l q_l U_l], U_l = (1 + sqrt gamma_l)^2 ((1 - b_l^2) + b_l^2 U_{l-1}). */
export function linearWidthBounds(spec: LinearWidthSpec): [number, number] {
  let u = Math.max(0, spec.input.values[spec.input.values.length - 1]);
  let hi = spec.identity + spec.weights[0] * u;
  spec.layers.forEach((layer, i) => {
    const b2 = layer.b * layer.b;
    u = (1 + Math.sqrt(layer.ratio)) ** 2 * (1 - b2 + b2 * u);
    hi += spec.weights[i + 1] * u;
  });
  return [spec.identity, hi];
}

/** The fixed-point problem in S_1..S_L (see the file comment). */
export function linearWidthProblem(spec: LinearWidthSpec): FixedPointProblem {
  const L = spec.layers.length;
  const lam = spec.input.values;
  const p = spec.input.weights;
  const b2 = spec.layers.map((l) => l.b * l.b);
  const gamma = spec.layers.map((l) => l.ratio);
  // coef[l]: coefficients at level l, interleaved complex: [I, G_0, ..., G_l] -> 2 (l + 2) numbers.
  const coef = Array.from({ length: L + 1 }, (_, l) => new Float64Array(2 * (l + 2)));
  const w = new Float64Array(2 * (L + 2));

  const coefficients = (u: Float64Array, z: Complex): void => {
    const top = coef[L];
    top[0] = spec.identity - z.re;
    top[1] = -z.im;
    for (let k = 0; k <= L; k++) {
      top[2 * (k + 1)] = spec.weights[k];
      top[2 * (k + 1) + 1] = 0;
    }
    for (let l = L; l >= 1; l--) {
      const down = coef[l - 1];
      down.set(coef[l].subarray(0, down.length));
      const sr = u[2 * (l - 1)], si = u[2 * (l - 1) + 1];
      down[0] += sr * (1 - b2[l - 1]);
      down[1] += si * (1 - b2[l - 1]);
      down[2 * l] += sr * b2[l - 1];
      down[2 * l + 1] += si * b2[l - 1];
    }
  };

  // (1/n) tr(W M_level^{-1}) for W = w (interleaved, [I, G_0..G_level]); w is clobbered.
  const trace = (level: number): Complex => {
    let tr = 0, ti = 0;
    for (let k = level; k >= 1; k--) {
      const wr = w[2 * (k + 1)], wi = w[2 * (k + 1) + 1];
      if (wr === 0 && wi === 0) continue;
      const c = coef[k];
      const cr = c[2 * (k + 1)], ci = c[2 * (k + 1) + 1];
      const cc = cr * cr + ci * ci;
      if (cc === 0) continue;
      const rr = (wr * cr + wi * ci) / cc;
      const ri = (wi * cr - wr * ci) / cc;
      tr += rr;
      ti += ri;
      for (let j = 0; j <= k; j++) {
        const xr = c[2 * j], xi = c[2 * j + 1];
        w[2 * j] -= rr * xr - ri * xi;
        w[2 * j + 1] -= rr * xi + ri * xr;
      }
    }
    const c0 = coef[0];
    const aIr = w[0], aIi = w[1], a0r = w[2], a0i = w[3];
    const cIr = c0[0], cIi = c0[1], g0r = c0[2], g0i = c0[3];
    let sr = 0, si = 0;
    for (let i = 0; i < lam.length; i++) {
      const x = lam[i];
      const nr = aIr + a0r * x, ni = aIi + a0i * x;
      const dr = cIr + g0r * x, di = cIi + g0i * x;
      const dd = dr * dr + di * di;
      sr += (p[i] * (nr * dr + ni * di)) / dd;
      si += (p[i] * (ni * dr - nr * di)) / dd;
    }
    return { re: tr + sr, im: ti + si };
  };

  return {
    size: L,
    initial(): Float64Array {
      // |z| large: t_l ~ 0, so S_l = c_l, the coefficient of G_l at level l.
      const u = new Float64Array(2 * L);
      let carry = 0;
      for (let l = L; l >= 1; l--) {
        const c = spec.weights[l] + carry;
        u[2 * (l - 1)] = c;
        carry = c * b2[l - 1];
      }
      return u;
    },
    map(u: Float64Array, z: Complex, out: Float64Array): void {
      coefficients(u, z);
      for (let l = 1; l <= L; l++) {
        w.fill(0);
        w[0] = 1 - b2[l - 1];
        w[2 * l] = b2[l - 1];
        const t = trace(l - 1);
        const c = coef[l];
        const cr = c[2 * (l + 1)], ci = c[2 * (l + 1) + 1];
        // S = c / (1 + c gamma t)
        const dr = 1 + gamma[l - 1] * (cr * t.re - ci * t.im);
        const di = gamma[l - 1] * (cr * t.im + ci * t.re);
        const dd = dr * dr + di * di;
        out[2 * (l - 1)] = (cr * dr + ci * di) / dd;
        out[2 * (l - 1) + 1] = (ci * dr - cr * di) / dd;
      }
    },
    stieltjes(u: Float64Array, z: Complex): Complex {
      coefficients(u, z);
      w.fill(0);
      w[0] = 1;
      return trace(L);
    },
    // S_l = c_l / (1 + c_l gamma_l t_l) with c_l >= 0 real at the top and Im t_l > 0: Im S_l <= 0 on the physical branch.
    admissible(u: Float64Array): boolean {
      for (let l = 0; l < L; l++) if (u[2 * l + 1] > 1e-9 * Math.hypot(u[2 * l], u[2 * l + 1])) return false;
      return true;
    },
  };
}
