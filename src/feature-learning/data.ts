/**
 * Samples of the one-step experiment: x ~ N(0, I_d) in float64, y = f*(x) + noise, and the noise-free f*(x)
 * that risks are measured against. Three independent samples per seed (the step, the second-layer ridge, the
 * test set) implement the paper's sample splitting.
 */
import { InvalidOptionError } from '../errors';
import type { Matrix } from '../linalg';
import { Rng } from '../random';
import type { Teacher } from './teacher';

/** n labelled examples of a teacher. */
export interface Sample {
  /** Inputs, n x d row-major, entries N(0, 1). */
  x: Matrix<Float64Array>;
  /** Labels y_i = f*(x_i) + noise * eps_i (length n). */
  y: Float64Array;
  /** Noise-free targets f*(x_i) (length n). */
  fStar: Float64Array;
}

/** Draws n examples x ~ N(0, I_d), y = f*(<x, beta*>) + noise N(0, 1) from `seed` (x: n x d float64). */
export function sampleData(teacher: Teacher, n: number, seed: number): Sample {
  if (!Number.isInteger(n) || n < 1) throw new InvalidOptionError(`sampleData: n must be a positive integer, got ${n}`);
  const { d, beta, noise, link } = teacher;
  const rng = new Rng(seed);
  const x = rng.normals64(n * d);
  const y = new Float64Array(n);
  const fStar = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) z += x[o + j] * beta[j];
    fStar[i] = link(z);
  }
  // Noise after the inputs, from the same stream: a sample is one seed, reproducible on its own.
  for (let i = 0; i < n; i++) y[i] = fStar[i] + (noise > 0 ? noise * rng.normal() : 0);
  return { x: { rows: n, cols: d, data: x }, y, fStar };
}
