/**
 * The student of the one-step experiment: the engine's twoLayer network f(x) = a^T sigma(W^T x) / sqrt(N)
 * (Ba et al. 2022, eq. 1.1), initialised as the paper does (W0 entries N(0, 1/d), a entries N(0, 1/N)),
 * with its weights read out in float64 for the step and the ridge fits. The weights are drawn in float32 by
 * twoLayer (so that the tfjs model and this float64 copy hold the very same numbers); the copy is exact.
 */
import { ensureBackend } from '../backend';
import { InvalidOptionError } from '../errors';
import type { Matrix } from '../linalg';
import { type ActivationName, activation as lookupActivation } from '../models/activations';
import { twoLayer } from '../models/two-layer';

/** The student's initial weights in float64. */
export interface Student {
  d: number;
  /** Width N. */
  N: number;
  activation: ActivationName;
  /** W0: d x N row-major (column j is neuron j's weight vector w_j), entries N(0, 1/d). */
  W0: Matrix<Float64Array>;
  /** Second layer a (length N), entries N(0, 1/N); fixed during the step. */
  a: Float64Array;
}

/** Options of initialStudent. */
export interface StudentOptions {
  d: number;
  /** Width N. */
  N: number;
  /** sigma (default 'tanh'). */
  activation?: ActivationName;
  /** Seed of twoLayer's weights (default 0). */
  seed?: number;
}

/** The initial weights (W0: d x N, a: N) of twoLayer({d, N, activation, seed}), as float64 copies. */
export async function initialStudent(options: StudentOptions): Promise<Student> {
  const { d, N } = options;
  for (const [name, v] of [['d', d], ['N', N]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`initialStudent: ${name} must be a positive integer, got ${v}`);
  }
  const act = lookupActivation(options.activation ?? 'tanh').name;
  await ensureBackend(); // twoLayer builds a tfjs model
  const net = twoLayer({ d, N, activation: act, seed: options.seed ?? 0 });
  try {
    const [first, second] = net.getWeights();
    return { d, N, activation: act, W0: { rows: d, cols: N, data: Float64Array.from(first.W) }, a: Float64Array.from(second.W) };
  } finally {
    net.dispose();
  }
}
