/**
 * Nystrom approximation of the NTK from m landmark examples L: K ~ K(x, x_L) K_LL^+ K(x_L, x), with the
 * pseudo-inverse taken through the eigen-decomposition of K_LL (eigenvalues below rcond * lambda_max dropped), as a
 * low-rank factor F (n x r, K ~ F F^T) or the n x n matrix. Exact on the landmark columns; accurate when the kernel's
 * spectrum decays fast (the error is about the spectrum's tail beyond the landmarks' rank).
 */
import { InvalidOptionError, MemoryBudgetError } from '../../errors';
import { Matrix, eighAsync, gramAsync, linalgInfo } from '../../linalg';
import { Rng, deriveSeed } from '../../random';
import { InputBatch } from '../input';
import { Kernel } from '../kernel';
import { defaultMaxBytes, formatBytes } from '../memory';
import { AutodiffModel } from '../jacobian/linearised';
import { NtkMethod } from '../options';
import { Landmarks, pivotedCholeskyLandmarks, uniformLandmarks } from './landmarks';
import { ColumnSource, columnSource } from './columns';
import { outputCount } from './summed-model';
import { Rows, countOption, readRows, sampleIndices, seedOption } from './rows';
import { ApproxError, ApproxResult } from './types';

/** Options of `nystromNtk`. */
export interface NystromNtkOptions {
  /** Number of landmarks m, 1 <= m <= n. */
  landmarks: number;
  /** Seed of the landmarks (uniform) and of the error subset (default 0). */
  seed?: number;
  /** How landmarks are chosen (default 'uniform'). */
  method?: 'uniform' | 'pivoted-cholesky';
  /** Relative eigenvalue cutoff of the pseudo-inverse of K_LL (default 1e-6; float32 kernels hold ~1e-7 relative noise). */
  rcond?: number;
  /** Return the factor F (n x r, K ~ F F^T) and no n x n matrix (default false). */
  factor?: boolean;
  /** Non-landmark columns computed exactly for the error estimate (default min(n - m, 32); 0: none). */
  subset?: number;
  /** NTK implementation of the exact columns (default 'auto'). */
  ntkMethod?: NtkMethod;
  /** Memory budget in bytes of this call and of each NTK call (default: half of the available memory). */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** Nystrom's error estimate, with the error of the sampled columns alone. */
export interface NystromError extends ApproxError {
  /** Relative Frobenius error of the `subset` sampled non-landmark columns alone. */
  columns: number;
}

/** The Nystrom NTK. */
export interface NystromNtkResult extends ApproxResult {
  error: NystromError;
  /** n x n ~ trace NTK, or null with `factor: true`. */
  kernel: Kernel | null;
  /** n x r float64, K ~ F F^T, with `factor: true` (else null). */
  factor: Matrix<Float64Array> | null;
  /** Indices of the landmarks in x, in the order chosen (fewer than asked when pivoted Cholesky found the kernel of lower rank). */
  landmarks: number[];
  /** Rank r of the approximation (eigenvalues of K_LL kept). */
  rank: number;
}

function checkOptions(opts: NystromNtkOptions, n: number): { m: number; method: 'uniform' | 'pivoted-cholesky'; rcond: number } {
  const m = opts?.landmarks;
  if (typeof m !== 'number' || !Number.isInteger(m) || m <= 0) throw new InvalidOptionError(`landmarks (m) must be a positive integer, got ${String(m)}`);
  if (m > n) throw new InvalidOptionError(`landmarks (m = ${m}) must be at most the number of examples (n = ${n})`);
  const method = opts.method ?? 'uniform';
  if (method !== 'uniform' && method !== 'pivoted-cholesky') throw new InvalidOptionError(`method must be 'uniform' or 'pivoted-cholesky', got '${String(method)}'`);
  const rcond = opts.rcond ?? 1e-6;
  if (typeof rcond !== 'number' || !(rcond >= 0 && rcond < 1)) throw new InvalidOptionError(`rcond must be in [0, 1), got ${String(rcond)}`);
  if (opts.ntkMethod === 'vp') throw new InvalidOptionError("ntkMethod 'vp' computes no kernel: use 'explicit', 'jacobian' or 'auto'");
  return { m, method, rcond };
}

/** F = C V_r Lambda_r^{-1/2} from the exact columns C = K(x, x_L) (n x m) and the landmark block K_LL = C[L, :]. */
async function nystromFactor(C: Float32Array, n: number, L: readonly number[], rcond: number): Promise<{ F: Float64Array; r: number }> {
  const m = L.length;
  const W = new Float64Array(m * m);
  for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) W[p * m + q] = 0.5 * (C[L[p] * m + q] + C[L[q] * m + p]);
  const { values, vectors } = await eighAsync({ rows: m, cols: m, data: W }, { vectors: true });
  const top = values[m - 1];
  const keep: number[] = [];
  for (let j = m - 1; j >= 0; j--) if (values[j] > rcond * top && values[j] > 0) keep.push(j);
  const r = keep.length;
  const V = vectors!.data;
  const F = new Float64Array(n * r);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < r; t++) {
      const j = keep[t];
      let s = 0;
      for (let q = 0; q < m; q++) s += C[i * m + q] * V[q * m + j];
      F[i * r + t] = s / Math.sqrt(values[j]);
    }
  }
  return { F, r };
}

/** sum over columns j of idx of (K_ij - F_i . F_j)^2 and of K_ij^2, with K's columns given n x |idx| row-major. */
function columnErrors(K: ArrayLike<number>, F: Float64Array, n: number, r: number, idx: readonly number[]): { error: number; norm: number } {
  let error = 0;
  let norm = 0;
  const s = idx.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < s; j++) {
      let a = 0;
      for (let t = 0; t < r; t++) a += F[i * r + t] * F[idx[j] * r + t];
      const e = K[i * s + j];
      error += (a - e) ** 2;
      norm += e * e;
    }
  }
  return { error, norm };
}

/**
 * Nystrom NTK of `model` on x [n, ...inputShape] from m landmarks: n x n trace-NTK estimate (or its n x r factor), in the
 * NTK's units; error.estimate is the relative Frobenius error of the whole kernel estimated from random non-landmark columns.
 */
export async function nystromNtk(model: AutodiffModel, x: InputBatch, opts: NystromNtkOptions): Promise<NystromNtkResult> {
  const rows = readRows(x, 'x');
  const n = rows.n;
  const { m, method, rcond } = checkOptions(opts, n);
  const seed = seedOption(opts.seed);
  const s = Math.min(n - m, countOption('subset', opts.subset, 32));
  const asFactor = opts.factor ?? false;
  const maxBytes = opts.maxBytes ?? defaultMaxBytes();
  if (!(maxBytes > 0)) throw new InvalidOptionError(`maxBytes must be a positive number of bytes, got ${maxBytes}`);
  const need = 4 * n * (m + s) + 16 * n * m + 8 * m * m + (asFactor ? 0 : 12 * n * n);
  if (need > maxBytes) {
    throw new MemoryBudgetError(
      `nystromNtk of ${n} examples with ${m} landmarks needs about ${formatBytes(need)}${asFactor ? '' : ` (the n x n kernel ${formatBytes(4 * n * n)})`}, ` +
        `over maxBytes = ${formatBytes(maxBytes)}: pass factor: true for the n x r factor only, use fewer landmarks, or raise maxBytes`,
      need,
      maxBytes,
    );
  }
  const ntkOpts = { method: opts.ntkMethod, maxBytes, signal: opts.signal };
  const source = await columnSource(model, x, rows, ntkOpts);
  try {
    return await approximate(source, rows, { m, method, rcond, seed, s, asFactor, k: outputCount(model, rows) });
  } finally {
    source.close();
  }
}

async function approximate(
  source: ColumnSource,
  rows: Rows,
  o: { m: number; method: 'uniform' | 'pivoted-cholesky'; rcond: number; seed: number; s: number; asFactor: boolean; k: number },
): Promise<NystromNtkResult> {
  const { m, method, rcond, seed, s, asFactor } = o;
  const n = rows.n;
  const columns = (idx: readonly number[]): Promise<Float32Array> => source.columns(idx);
  const block = (idx: readonly number[]): Promise<Float32Array> => source.block(idx);
  const start = performance.now();
  const chosen: Landmarks = method === 'uniform'
    ? await uniformLandmarks(rows, m, new Rng(deriveSeed(seed, 'nystrom/landmarks')), columns)
    : await pivotedCholeskyLandmarks(rows, m, columns, block);
  const L = chosen.indices;
  const { F, r } = await nystromFactor(chosen.columns, n, L, rcond);
  let kernel: Kernel | null = null;
  if (!asFactor) {
    const G = r === 0 ? new Float64Array(n * n) : (await gramAsync({ rows: n, cols: r, data: F }, { checkFinite: false })).data;
    kernel = new Kernel({
      values: Float32Array.from(G),
      shape: [n, n],
      kind: 'ntk',
      layout: 'trace',
      outputs: o.k,
      label: `nystrom-ntk:m=${L.length}`,
      symmetric: true,
      backend: `${linalgInfo().implementation} (nystrom)`,
      wallTimeMs: performance.now() - start,
      normalization: `Nystrom K(x, x_L) K_LL^+ K(x_L, x) of the trace NTK, ${L.length} ${method} landmarks, rank ${r} (rcond ${rcond})`,
    });
  }
  const wallTimeMs = performance.now() - start;

  const errStart = performance.now();
  // Landmark columns: known exactly (their error is the cutoff's alone); the others estimated from s random ones.
  const land = columnErrors(chosen.columns, F, n, r, L);
  let error: NystromError;
  if (s > 0) {
    const S = sampleIndices(n, s, new Rng(deriveSeed(seed, 'nystrom/error')), new Set(L));
    const KS = await columns(S);
    const cols = columnErrors(KS, F, n, r, S);
    const w = (n - L.length) / S.length;
    error = {
      estimate: Math.sqrt((land.error + w * cols.error) / (land.norm + w * cols.norm)),
      columns: Math.sqrt(cols.error / cols.norm),
      subset: S.length,
      method: `exact K(x, x_S) for ${S.length} random non-landmark columns (relative error ${Math.sqrt(cols.error / cols.norm).toExponential(2)}), scaled to the ${n - L.length} non-landmark columns, plus the ${L.length} landmark columns`,
    };
  } else {
    const e = Math.sqrt(land.error / land.norm);
    error = {
      estimate: n === L.length ? e : NaN,
      columns: NaN,
      subset: 0,
      method: n === L.length ? 'every column is a landmark: the error of the landmark columns (the pseudo-inverse cutoff) alone' : 'not estimated (subset: 0)',
    };
  }
  const cost = {
    wallTimeMs,
    errorWallTimeMs: performance.now() - errStart,
    exactEntries: n * L.length + chosen.exactEntries + n * s,
    description: `exact columns K(x, x_L) for ${L.length} landmarks (${method})${chosen.exactEntries ? `, ${chosen.exactEntries} more exact entries to choose them` : ''}, ` +
      `an eigen-decomposition of ${L.length} x ${L.length}${s ? `, ${s} exact columns for the error` : ''}`,
  };
  return { kernel, factor: asFactor ? { rows: n, cols: r, data: F } : null, landmarks: L, rank: r, error, cost };
}
