/**
 * The pseudo-NTK (Mohamadi, Bae & Sutherland 2023, "A fast, well-founded approximation to the empirical neural
 * tangent kernel"): the NTK of g = sum_a f_a / sqrt(k), one n x n kernel for a k-output model at the cost of a
 * one-output NTK. It approximates the trace-NTK / k (the mean of the diagonal output blocks) as well as the
 * off-diagonal blocks Theta_ab (a != b) are small against the diagonal ones: at initialisation of wide networks
 * they vanish like 1/sqrt(width); for trained or correlated heads they do not.
 */
import { InvalidOptionError } from '../../errors';
import { Rng } from '../../random';
import { InputBatch } from '../input';
import { Kernel } from '../kernel';
import { ntk } from '../ntk';
import { AutodiffModel } from '../jacobian/linearised';
import { NtkMethod } from '../options';
import { countOption, pick, readRows, sampleIndices, seedOption, squaredError } from './rows';
import { outputCount, summedModel } from './summed-model';
import { ApproxError, ApproxResult } from './types';

/** Options of `pseudoNtk`. */
export interface PseudoNtkOptions {
  /** Examples of the random subset on which the exact trace-NTK / k is computed for the error estimate (default min(n, 64); 0: none). */
  subset?: number;
  /** Seed of the subset (default 0). */
  seed?: number;
  /** NTK implementation for the summed model and the reference (default 'auto'). */
  method?: NtkMethod;
  /** Memory budget in bytes of each NTK call (default: half of the available memory). */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** The pseudo-NTK with its error estimate. */
export interface PseudoNtkResult extends ApproxResult {
  /** n x n: Theta_g(x_i, x_j) for g = sum_a f_a / sqrt(k), which approximates the trace-NTK / k. */
  kernel: Kernel;
  /** Outputs k of the model. */
  outputs: number;
}

/**
 * Pseudo-NTK of `model` on x [n, ...inputShape]: an n x n kernel approximating (1/k) sum_a Theta_aa (the trace-NTK / k),
 * in the model's units (exact J J^T of g, float32); error.estimate is the relative Frobenius error on a random subset.
 */
export async function pseudoNtk(model: AutodiffModel, x: InputBatch, opts: PseudoNtkOptions = {}): Promise<PseudoNtkResult> {
  const rows = readRows(x, 'x');
  const s = Math.min(rows.n, countOption('subset', opts.subset, 64));
  const seed = seedOption(opts.seed);
  if (opts.method === 'vp') throw new InvalidOptionError("method 'vp' computes no kernel: use 'explicit', 'jacobian' or 'auto'");
  const ntkOpts = { method: opts.method, maxBytes: opts.maxBytes, signal: opts.signal };
  const start = performance.now();
  const k = outputCount(model, rows);
  const summed = summedModel(model, k);
  let K: Kernel;
  try {
    K = await ntk(summed.model, x, undefined, ntkOpts);
  } finally {
    summed.dispose();
  }
  const wallTimeMs = performance.now() - start;
  const n = rows.n;
  const kernel = new Kernel({
    values: K.values,
    shape: [n, n],
    kind: 'ntk',
    layout: 'trace',
    outputs: k,
    label: 'pseudo-ntk',
    symmetric: true,
    backend: K.backend,
    wallTimeMs,
    normalization: `pseudo-NTK: NTK of sum_a f_a / sqrt(${k}), approximating the trace-NTK / ${k}; ${K.normalization}`,
  });

  const errStart = performance.now();
  let error: ApproxError;
  let exactEntries = 0;
  if (k === 1) {
    error = { estimate: 0, subset: 0, method: 'exact: with one output the pseudo-NTK is the NTK' };
  } else if (s === 0) {
    error = { estimate: NaN, subset: 0, method: 'not estimated (subset: 0)' };
  } else {
    const idx = sampleIndices(n, s, new Rng(seed));
    const sub = pick(rows, idx);
    let ref: Kernel;
    try {
      ref = await ntk(model, sub.batch, undefined, { ...ntkOpts, outputs: 'trace' });
    } finally {
      sub.dispose();
    }
    const exact = Float64Array.from(ref.values, (v) => v / k);
    const approx = new Float64Array(s * s);
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) approx[i * s + j] = K.values[idx[i] * n + idx[j]];
    const { error: e, norm } = squaredError(approx, exact);
    exactEntries = s * s;
    error = { estimate: Math.sqrt(e / norm), subset: s, method: `exact trace-NTK / ${k} on a random subset of ${s} of ${n} examples (relative Frobenius error of that ${s} x ${s} block)` };
  }
  const cost = {
    wallTimeMs,
    errorWallTimeMs: performance.now() - errStart,
    exactEntries,
    description: `one scalar-output NTK (one reverse pass per example) instead of a ${k}-output trace NTK (${k} per example)`,
  };
  return { kernel, outputs: k, error, cost };
}
