/**
 * Single-index teachers of Ba et al. 2022 (arXiv 2205.01445, section 2): y = f*(x) + noise with
 * f*(x) = sigma*(<x, beta*>) - mu0*, ||beta*|| = 1, x ~ N(0, I_d). The teacher is centred (mu0* = 0), as the
 * paper's analysis assumes and recommends for SoftPlus and ReLU teachers. Its Hermite moments (quadrature,
 * ../theory/hermite) give the baselines: E f*^2 (the null risk) and mu2*^2 = E f*^2 - mu1*^2 (the risk of the
 * best linear model, the kernel lower bound for eta = Theta(1)).
 *
 *   const t = singleIndexTeacher({ d: 256, activation: 'erf', noise: 0.1, seed: 0 });
 *   t.moments.nonlinearPower;   // mu2*^2 = 0.0401 for erf
 */
import { InvalidOptionError, NonFiniteError, ShapeError } from '../errors';
import type { ActivationName } from '../models/activations';
import { Rng, deriveSeed } from '../random';
import { activationSpec, type ActivationSpec } from '../theory/activation';
import { hermite } from '../theory/hermite';
import { norm2 } from './vectors';

/** Hermite moments of sigma* under N(0, 1); the teacher f* = sigma* - mu0 is centred. */
export interface TeacherMoments {
  /** mu0* = E sigma*(xi): subtracted from sigma* (so f* has mean 0). */
  mu0: number;
  /** mu1* = E sigma*(xi) xi: the teacher's linear component (f* = mu1* <x, beta*> + nonlinear part). */
  mu1: number;
  /** E f*(x)^2 = E sigma*^2 - mu0*^2: the risk of predicting 0 (squared target units). */
  power: number;
  /** mu2*^2 = E f*^2 - mu1*^2 = ||P_{>1} f*||^2: the best linear model's risk (squared target units). */
  nonlinearPower: number;
}

/** A seeded single-index teacher y = f*(<x, beta>) + noise * N(0, 1). */
export interface Teacher {
  /** sigma*'s name ('erf', 'softplus', 'linear', a custom spec's name). */
  readonly name: string;
  /** Input dimension d. */
  readonly d: number;
  /** beta*: length d, unit norm. */
  readonly beta: Float64Array;
  /** Standard deviation of the additive Gaussian label noise (target units). */
  readonly noise: number;
  /** f*(z) = sigma*(z) - mu0* on the projection z = <x, beta*>. */
  readonly link: (z: number) => number;
  readonly moments: TeacherMoments;
}

/** Options of singleIndexTeacher. */
export interface TeacherOptions {
  /** Input dimension d. */
  d: number;
  /** sigma*: an engine activation name ('linear' gives a linear teacher) or {name, f, df, kinks?} (default 'erf'). */
  activation?: ActivationName | ActivationSpec;
  /** Standard deviation of the label noise, >= 0 (default 0). */
  noise?: number;
  /** beta* (length d, non-zero; normalised to unit norm); default: a uniform random direction from `seed`. */
  beta?: ArrayLike<number>;
  /** Seed of the random direction (default 0). */
  seed?: number;
}

/** The Hermite moments of a centred sigma* (quadrature; 'linear' is exact). */
export function teacherMoments(activation: ActivationName | ActivationSpec): TeacherMoments {
  const h = hermite(activation, { order: 4 });
  const power = h.secondMoment - h.mu0 * h.mu0;
  return { mu0: h.mu0, mu1: h.mu1, power, nonlinearPower: h.muStar * h.muStar };
}

/** A teacher f*(x) = sigma*(<x, beta*>) - mu0* in dimension d, ||beta*|| = 1, with label noise of std `noise`. */
export function singleIndexTeacher(options: TeacherOptions): Teacher {
  const { d } = options;
  if (!Number.isInteger(d) || d < 1) throw new InvalidOptionError(`singleIndexTeacher: d must be a positive integer, got ${d}`);
  const noise = options.noise ?? 0;
  if (!(Number.isFinite(noise) && noise >= 0)) throw new InvalidOptionError(`singleIndexTeacher: noise must be a finite number >= 0, got ${noise}`);
  const spec = activationSpec(options.activation ?? 'erf');
  let beta: Float64Array;
  if (options.beta !== undefined) {
    if (options.beta.length !== d) throw new ShapeError(`singleIndexTeacher: beta has length ${options.beta.length}, the input dimension d is ${d}`);
    beta = Float64Array.from(options.beta);
    for (let i = 0; i < d; i++) if (!Number.isFinite(beta[i])) throw new NonFiniteError(`singleIndexTeacher: beta[${i}] is ${beta[i]}`);
  } else {
    // A standard Gaussian vector, normalised, is uniform on the sphere.
    beta = new Rng(deriveSeed(options.seed ?? 0, 'teacher/beta')).normals64(d);
  }
  const len = norm2(beta);
  if (!(len > 0)) throw new InvalidOptionError('singleIndexTeacher: beta must be non-zero');
  for (let i = 0; i < d; i++) beta[i] /= len;
  const moments = teacherMoments(spec);
  const f = spec.f;
  const mu0 = moments.mu0;
  return { name: spec.name, d, beta, noise, link: (z) => f(z) - mu0, moments };
}
