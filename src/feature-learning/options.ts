/**
 * Options of the one-step sweep, their defaults, and every check that must fail before any work starts:
 * sizes, learning rates and penalties (finite, non-negative / positive), the teacher's dimension, and the memory
 * the largest (seed, width) point needs against a budget.
 */
import { InvalidOptionError, MemoryBudgetError, ShapeError } from '../errors';
import { type ActivationName, activation as lookupActivation } from '../models/activations';
import { defaultMaxBytes, formatBytes } from '../ntk/memory';
import type { ActivationSpec } from '../theory/activation';
import { LINEAR_LAMBDAS } from './linear-baseline';
import type { RidgeSolver } from './ridge';
import { type LearningRateScaling, scalingExponent } from './step';
import { type Teacher, singleIndexTeacher } from './teacher';

/** What a sweep varies and holds fixed. Conventions: docs/one-step.md. */
export interface OneStepOptions {
  /** Samples n of each of the step's and the ridge's training sets (psi1 = n / d), >= 2. */
  n: number;
  /** Input dimension d. */
  d: number;
  /** Width N (psi2 = N / d), or several widths to sweep. */
  N: number | readonly number[];
  /** The student's sigma (default 'tanh'). */
  activation?: ActivationName;
  /**
   * The teacher: sigma* by name or spec (a fresh beta* per seed), or a Teacher (its beta* and noise for every seed;
   * its dimension must be d). Default 'erf'.
   */
  teacher?: ActivationName | ActivationSpec | Teacher;
  /** Label-noise standard deviation (default 0.1; a Teacher brings its own). */
  noise?: number;
  /** Learning-rate multipliers: eta = factor * N^alpha, alpha from each scaling (finite, >= 0). */
  etas: readonly number[];
  /** 'small' (eta = Theta(1)), 'large' (eta = Theta(sqrt N)) or { exponent } (default ['small']). */
  scalings?: readonly LearningRateScaling[];
  /** Second-layer ridge penalties lambda > 0 (penalty (lambda / N)||a||^2; default 1e-3). */
  lambdas?: number | readonly number[];
  /** Number of seeds (0 .. count - 1) or the seeds themselves (default 1). */
  seeds?: number | readonly number[];
  /** Test-set size (default n). */
  nTest?: number;
  /** lambda grid of the tuned linear baseline (default LINEAR_LAMBDAS). */
  linearLambdas?: readonly number[];
  /** Compute the Gaussian-equivalent prediction at eta = Theta(1) for odd sigma (default true; costs a full d x d eigendecomposition per point). */
  gaussianEquivalent?: boolean;
  /** Ridge system: 'auto' (smaller of primal N x N and dual n x n; default), 'primal', 'dual'. */
  solver?: RidgeSolver;
  /** Memory budget in bytes (default: half of the free memory). */
  maxBytes?: number;
}

/** Options after defaults and checks. */
export interface ResolvedOneStep {
  n: number;
  d: number;
  widths: readonly number[];
  activation: ActivationName;
  /** The teacher for a seed: fixed, or drawn from the seed. */
  teacherFor: (seed: number) => Teacher;
  teacherName: string;
  noise: number;
  etas: readonly number[];
  scalings: readonly LearningRateScaling[];
  lambdas: readonly number[];
  seeds: readonly number[];
  nTest: number;
  linearLambdas: readonly number[];
  gaussianEquivalent: boolean;
  solver: RidgeSolver;
  /** Estimated peak bytes of the largest width. */
  estimatedBytes: number;
}

function positiveInt(name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new InvalidOptionError(`oneStep: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

function numberList(name: string, v: number | readonly number[] | undefined, fallback: readonly number[], ok: (x: number) => boolean, need: string): readonly number[] {
  const list = v === undefined ? fallback : typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) throw new InvalidOptionError(`oneStep: ${name} must be a non-empty list of numbers`);
  list.forEach((x, i) => {
    if (typeof x !== 'number' || !ok(x)) throw new InvalidOptionError(`oneStep: ${name}[${i}] must be ${need}, got ${String(x)}`);
  });
  return [...list];
}

function isTeacher(t: unknown): t is Teacher {
  return typeof t === 'object' && t !== null && 'beta' in t && 'moments' in t;
}

/** Bytes (float64) that one (seed, width) point holds at its peak: samples, W0 and G0, the step's pre-activations, Grams, ridge systems. */
export function oneStepMemoryEstimate(p: { n: number; d: number; N: number; nTest: number }): number {
  const { n, d, N, nTest } = p;
  const m = Math.min(d, N);
  const q = Math.min(n, N);
  const values =
    (2 * n + nTest) * d + // the three samples' inputs
    2 * d * N + // W0, G0
    d * N + // G0 - A (Proposition 2's residual)
    3 * (n + nTest) * N + // X W0, X G0 and the features, for the ridge and test samples
    7 * m * m + // W1's Gram pieces, one Gram, eigh's copy and vectors
    3 * q * q + // ridge Gram, shifted copy, Cholesky factor
    3 * d * d + nTest * d; // linear baseline: X^T X, its eigenvectors, test inputs in that basis
  return 8 * values;
}

/** Applies defaults and checks everything; throws InvalidOptionError / ShapeError / MemoryBudgetError before any work. */
export function resolveOneStepOptions(options: OneStepOptions): ResolvedOneStep {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('oneStep: options must be an object');
  const n = positiveInt('n', options.n, 2);
  const d = positiveInt('d', options.d);
  const widths = (typeof options.N === 'number' ? [options.N] : [...(options.N ?? [])]).map((w, i) => positiveInt(typeof options.N === 'number' ? 'N' : `N[${i}]`, w));
  if (widths.length === 0) throw new InvalidOptionError('oneStep: N must be a width or a non-empty list of widths');
  const nTest = positiveInt('nTest', options.nTest ?? n);
  const act = lookupActivation(options.activation ?? 'tanh').name;
  const etas = numberList('etas', options.etas, [], (x) => Number.isFinite(x) && x >= 0, 'a finite number >= 0 (a learning-rate multiplier)');
  const lambdas = numberList('lambdas', options.lambdas, [1e-3], (x) => Number.isFinite(x) && x > 0, 'a finite number > 0 (ridge penalty)');
  const linearLambdas = numberList('linearLambdas', options.linearLambdas, LINEAR_LAMBDAS, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0');
  const scalings = options.scalings ?? ['small'];
  if (!Array.isArray(scalings) || scalings.length === 0) throw new InvalidOptionError('oneStep: scalings must be a non-empty list');
  scalings.forEach((s) => scalingExponent(s));
  let seeds: readonly number[];
  if (options.seeds === undefined || typeof options.seeds === 'number') {
    const count = positiveInt('seeds', options.seeds ?? 1);
    seeds = Array.from({ length: count }, (_, i) => i);
  } else {
    seeds = numberList('seeds', options.seeds, [], (x) => Number.isSafeInteger(x), 'a safe integer');
    if (new Set(seeds).size !== seeds.length) throw new InvalidOptionError(`oneStep: seeds must be distinct, got ${seeds.join(', ')}`);
  }
  const solver = options.solver ?? 'auto';
  if (!['auto', 'primal', 'dual'].includes(solver)) throw new InvalidOptionError(`oneStep: solver must be 'auto', 'primal' or 'dual', got '${solver}'`);

  let teacherFor: (seed: number) => Teacher;
  let teacherName: string;
  let noise: number;
  const t = options.teacher ?? 'erf';
  if (isTeacher(t)) {
    if (t.d !== d || t.beta.length !== d) throw new ShapeError(`oneStep: the teacher's beta* has dimension ${t.beta.length}, the input dimension d is ${d}`);
    if (options.noise !== undefined && options.noise !== t.noise) {
      throw new InvalidOptionError(`oneStep: noise ${options.noise} differs from the teacher's noise ${t.noise}; give it in one place`);
    }
    noise = t.noise;
    teacherName = t.name;
    teacherFor = () => t;
  } else {
    noise = options.noise ?? 0.1;
    if (!(Number.isFinite(noise) && noise >= 0)) throw new InvalidOptionError(`oneStep: noise must be a finite number >= 0, got ${noise}`);
    const probe = singleIndexTeacher({ d, activation: t, noise, seed: 0 }); // checks the activation now
    teacherName = probe.name;
    teacherFor = (seed) => (seed === 0 ? probe : singleIndexTeacher({ d, activation: t, noise, seed }));
  }

  const estimatedBytes = Math.max(...widths.map((N) => oneStepMemoryEstimate({ n, d, N, nTest })));
  const maxBytes = options.maxBytes ?? defaultMaxBytes();
  if (!(Number.isFinite(maxBytes) && maxBytes > 0)) throw new InvalidOptionError(`oneStep: maxBytes must be a positive number, got ${maxBytes}`);
  if (estimatedBytes > maxBytes) {
    throw new MemoryBudgetError(
      `oneStep: a point with n = ${n}, d = ${d}, N = ${Math.max(...widths)}, nTest = ${nTest} needs about ${formatBytes(estimatedBytes)} (float64), over the budget of ${formatBytes(maxBytes)}; reduce n, d, N or nTest, or raise maxBytes`,
      estimatedBytes,
      maxBytes,
    );
  }
  return {
    n, d, widths, activation: act, teacherFor, teacherName, noise, etas, scalings: [...scalings], lambdas, seeds, nTest,
    linearLambdas, gaussianEquivalent: options.gaussianEquivalent !== false, solver, estimatedBytes,
  };
}
