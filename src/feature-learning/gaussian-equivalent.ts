/**
 * The Gaussian-equivalent prediction of the trained-CK ridge risk for eta = Theta(1) (Ba et al. 2022, section on
 * the small learning rate: for an odd sigma, ridge on sigma(X W1) / sqrt(N) has asymptotically the risk of ridge on
 * the Gaussian-equivalent features (mu1 X W1 + mu* Z) / sqrt(N), Z with i.i.d. N(0, 1) entries independent of X).
 * The paper states it for this regime only; for eta = Theta(sqrt N) it fails (that is where the step goes beyond
 * linear) and nothing is predicted.
 *
 * How it is evaluated here (our route, not the paper's closed form): conditional on W1 the equivalent features are
 * Gaussian, phi ~ N(0, Omega) with Omega = (mu1^2 W1^T W1 + mu*^2 I_N) / N, and the teacher splits into its best
 * linear predictor in phi, theta = Omega^{-1} E[phi f*] with E[phi f*] = mu1 mu1* W1^T beta* / sqrt(N), plus a
 * remainder independent of phi (jointly Gaussian and uncorrelated, or Hermite degree >= 2) that acts as noise.
 * Ridge with penalty lambda' = lambda / N on n Gaussian samples then has the standard deterministic equivalent
 * (e.g. Hastie, Montanari, Rosset & Tibshirani 2022; Bach 2023): kappa solves lambda' = kappa (1 - df1(kappa) / n),
 *   risk = A + [kappa^2 theta^T Omega (Omega + kappa)^{-2} theta + (A + noise^2) df2 / n] / (1 - df2 / n),
 * with df_k = tr Omega^k (Omega + kappa)^{-k} and A = E f*^2 - theta^T Omega theta. Everything is diagonal in
 * W1's singular basis, so it needs W1's singular values s_j and the overlaps <u_j, beta*> only.
 */
import { InvalidOptionError, ShapeError } from '../errors';
import type { SingularAlong } from './singular';

/** What the prediction needs. */
export interface GaussianEquivalentInputs {
  /** All min(d, N) singular values of W1 (descending) and <u_j, beta*> for its unit left singular vectors. */
  singular: SingularAlong;
  /** Width N and ridge samples n. */
  N: number;
  n: number;
  /** Ridge lambda (penalty (lambda / N)||a||^2 with the loss (1/n)||Phi a - y||^2). */
  lambda: number;
  /** Label-noise standard deviation. */
  noise: number;
  /** The student's Hermite coefficients (pre-activation variance 1): mu1 = E sigma(xi) xi, muStar^2 = E sigma^2 - mu1^2 (sigma odd). */
  student: { mu1: number; muStar: number };
  /** The teacher's mu1* and E f*^2 (centred). */
  teacher: { mu1: number; power: number };
}

/** Gaussian-equivalent ridge risk (squared target units) of the CK of W1 (eta = Theta(1), sigma odd). */
export function gaussianEquivalentRisk(inputs: GaussianEquivalentInputs): number {
  const { singular, N, n, lambda, noise, student, teacher } = inputs;
  const r = singular.values.length;
  if (singular.projections.length !== r) throw new ShapeError(`gaussianEquivalentRisk: ${r} singular values but ${singular.projections.length} projections`);
  if (!Number.isInteger(N) || N < 1 || !Number.isInteger(n) || n < 1) throw new InvalidOptionError(`gaussianEquivalentRisk: N and n must be positive integers, got N = ${N}, n = ${n}`);
  if (r > N) throw new ShapeError(`gaussianEquivalentRisk: ${r} singular values for width N = ${N}`);
  if (!(Number.isFinite(noise) && noise >= 0)) throw new InvalidOptionError(`gaussianEquivalentRisk: noise must be a finite number >= 0, got ${noise}`);
  if (!(Number.isFinite(lambda) && lambda > 0)) throw new InvalidOptionError(`gaussianEquivalentRisk: lambda must be a finite number > 0, got ${lambda}`);
  const mu1 = student.mu1;
  const star2 = student.muStar * student.muStar;
  const ev = new Float64Array(r); // eigenvalues of Omega in W1's right singular basis
  const b = new Float64Array(r); // E[phi f*] in that basis
  for (let j = 0; j < r; j++) {
    const s = singular.values[j];
    ev[j] = (mu1 * mu1 * s * s + star2) / N;
    b[j] = ((mu1 * teacher.mu1) / Math.sqrt(N)) * s * singular.projections[j];
  }
  const restCount = N - r; // W1^T W1 has N - r zero eigenvalues: Omega = mu*^2 / N there
  const restEv = star2 / N;
  let explained = 0;
  for (let j = 0; j < r; j++) if (ev[j] > 0) explained += (b[j] * b[j]) / ev[j];
  const approximation = Math.max(0, teacher.power - explained);
  const lambdaEff = lambda / N;

  const df = (kappa: number, power: 1 | 2): number => {
    let s = 0;
    for (let j = 0; j < r; j++) {
      const t = ev[j] / (ev[j] + kappa);
      s += power === 1 ? t : t * t;
    }
    if (restCount > 0) {
      const t = restEv / (restEv + kappa);
      s += restCount * (power === 1 ? t : t * t);
    }
    return s;
  };
  // kappa (1 - df1 / n) is convex in kappa and 0 at 0: it crosses lambda' > 0 once. Bracket, then bisect.
  const h = (kappa: number): number => kappa * (1 - df(kappa, 1) / n) - lambdaEff;
  let lo = lambdaEff;
  let hi = 2 * lambdaEff;
  while (h(hi) < 0) {
    lo = hi;
    hi *= 2;
  }
  for (let it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
    const mid = 0.5 * (lo + hi);
    if (h(mid) < 0) lo = mid;
    else hi = mid;
  }
  const kappa = 0.5 * (lo + hi);
  const df2 = df(kappa, 2);
  let bias = 0;
  for (let j = 0; j < r; j++) if (ev[j] > 0) bias += (b[j] * b[j]) / (ev[j] * (ev[j] + kappa) ** 2);
  bias *= kappa * kappa;
  const variance = ((approximation + noise * noise) * df2) / n;
  return approximation + (bias + variance) / (1 - df2 / n);
}
