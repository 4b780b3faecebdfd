/**
 * Stochastic Lanczos quadrature (Ubaru, Chen & Saad, SIAM J. Matrix Anal. Appl. 38 (2017)): the spectral density
 * of a symmetric operator from m random probes, with every probe's Lanczos step sharing one operator application
 * (one pass over a tile store serves all m probes). Probe z_l (Rademacher, unit norm) gives the Gauss quadrature
 * of its spectral measure: nodes theta_i (the Ritz values of its s-step Lanczos matrix T_l) with weights tau_i^2
 * (the first components of T_l's eigenvectors); their average over probes estimates the ESD (1/n) sum delta(lambda).
 *
 * Accuracy: the CDF of the quadrature measure meets the probe's true CDF within the weight of the nearest node
 * (Chebyshev-Markov-Stieltjes), O(1/s) in the bulk; averaging m probes adds a Hutchinson error of order
 * sqrt(2 F (1 - F) / (n m)). tr f(A) ~ n sum w_i f(theta_i) is exact per probe for polynomials of degree <= 2s - 1.
 *
 *   const d = await slq(op, { probes: 16, steps: 50 });
 *   d.cdf(x); d.density(grid); d.trace(Math.log); slqDistance(d, law)   // { ks, w1 } against a law
 */
import { randomUUID } from 'node:crypto';
import type { Table } from 'apache-arrow';
import type { DensityColumns } from '../arrow';
import { CancelledError, InvalidOptionError, NonFiniteError } from '../errors';
import { eigh, type Matrix } from '../linalg';
import { Rng } from '../random';
import type { LawDensity } from '../theory/density';
import { densityTable, lawCurve, type DensityCurve } from '../theory/density-table';
import type { BlockOperator } from './block-operator';
import { ksDistance, wasserstein1 } from './distance';

/** Options of slq(). */
export interface SlqOptions {
  /** Random probes m, all applied in one block per pass (default 16). */
  probes?: number;
  /** Lanczos steps s per probe = passes (default 50, at most n). */
  steps?: number;
  /** Seed of the Rademacher probes (default 0). */
  seed?: number;
  /** Full reorthogonalisation of each probe's Lanczos vectors (default: when they fit in 256 MiB, m s n float64). */
  reorthogonalize?: boolean;
  /**
   * Known top eigenpairs (blockTopEigen's values and n x k vectors) to deflate: the probes run on the complement of
   * the vectors and the measure puts weight 1/n on each given value. A kernel dominated by a few spikes (an NTK's
   * effective rank is often below 2) otherwise stretches every probe's Lanczos interval and its Hutchinson variance.
   */
  deflate?: { values: ArrayLike<number>; vectors: Matrix<Float64Array> };
  signal?: AbortSignal;
  /** After each pass: (passes so far, steps). */
  onProgress?: (passes: number, steps: number) => void;
}

/** The quadrature measure: sorted nodes with weights summing to 1, and what is computed from it. */
export interface SlqResult {
  n: number;
  probes: number;
  steps: number;
  passes: number;
  /** Nodes (eigenvalue units), ascending, and their weights (sum 1). */
  nodes: Float64Array;
  weights: Float64Array;
  /** Estimated fraction of eigenvalues <= x. */
  cdf(x: number): number;
  /** Gaussian-smoothed density at each x (bandwidth in eigenvalue units; default Silverman's rule on the measure). */
  density(x: ArrayLike<number>, bandwidth?: number): Float64Array;
  /** Estimate of tr f(A) = n sum w_i f(theta_i). */
  trace(f: (lambda: number) => number): number;
  /** `count` points x_j = F^{-1}((j + 1/2) / count) of the measure: a sample for ksDistance / wasserstein1. */
  quantiles(count: number): Float64Array;
}

/** Stochastic Lanczos quadrature of a symmetric block operator (see the file comment). */
export async function slq(op: BlockOperator, opts: SlqOptions = {}): Promise<SlqResult> {
  const n = op.n;
  const m = opts.probes ?? 16;
  if (!Number.isSafeInteger(m) || m < 1) throw new InvalidOptionError(`slq: probes must be a positive integer, got ${m}`);
  const s = Math.min(n, opts.steps ?? 50);
  if (!Number.isSafeInteger(s) || s < 1) throw new InvalidOptionError(`slq: steps must be a positive integer, got ${opts.steps}`);
  const reorth = opts.reorthogonalize ?? m * s * n * 8 <= 256 * 2 ** 20;
  const rng = new Rng(opts.seed ?? 0);
  const inv = 1 / Math.sqrt(n);
  // Per probe: current and previous Lanczos vectors, coefficients, stored basis (with reorthogonalisation).
  const cur: Float64Array[] = [];
  const prev: Float64Array[] = Array.from({ length: m }, () => new Float64Array(n));
  const alphas: number[][] = Array.from({ length: m }, () => []);
  const betas: number[][] = Array.from({ length: m }, () => []);
  const basis: Float64Array[][] = Array.from({ length: m }, () => []);
  const U = opts.deflate?.vectors;
  const kd = U ? U.cols : 0;
  if (U && (U.rows !== n || opts.deflate!.values.length !== kd || kd >= n)) {
    throw new InvalidOptionError(`slq: deflate needs n x k vectors (n = ${n}, k < n) and k values, got ${U.rows} x ${U.cols} and ${opts.deflate!.values.length}`);
  }
  /** x <- x - U (U^T x), twice (U's columns orthonormal): the complement of the deflated eigenvectors. */
  const deflate = (x: Float64Array): void => {
    if (!U) return;
    for (let pass = 0; pass < 2; pass++) {
      for (let c = 0; c < kd; c++) {
        let h = 0;
        for (let i = 0; i < n; i++) h += U.data[i * kd + c] * x[i];
        for (let i = 0; i < n; i++) x[i] -= h * U.data[i * kd + c];
      }
    }
  };
  for (let l = 0; l < m; l++) {
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = rng.uniform() < 0.5 ? -inv : inv;
    if (U) {
      deflate(z);
      let s2 = 0;
      for (let i = 0; i < n; i++) s2 += z[i] * z[i];
      const sc = 1 / Math.sqrt(s2);
      for (let i = 0; i < n; i++) z[i] *= sc;
    }
    cur.push(z);
  }
  const active = new Set<number>(Array.from({ length: m }, (_, l) => l));
  let passes = 0;
  let scale = 0;
  for (let step = 0; step < s && active.size > 0; step++) {
    if (opts.signal?.aborted) throw new CancelledError(`slq cancelled after ${passes} passes`);
    const ids = [...active];
    const c = ids.length;
    const v: Matrix<Float64Array> = { rows: n, cols: c, data: new Float64Array(n * c) };
    ids.forEach((l, j) => {
      const x = cur[l];
      for (let i = 0; i < n; i++) v.data[i * c + j] = x[i];
    });
    const w = await op.apply(v);
    passes++;
    ids.forEach((l, j) => {
      const x = cur[l];
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = w.data[i * c + j];
        if (y[i] - y[i] !== 0) throw new NonFiniteError(`slq: the operator returned ${y[i]}`);
      }
      let a = 0;
      for (let i = 0; i < n; i++) a += x[i] * y[i];
      deflate(y); // K maps the complement into itself; this keeps rounding and inexact vectors from leaking back
      const bPrev = betas[l].length ? betas[l][betas[l].length - 1] : 0;
      const p = prev[l];
      for (let i = 0; i < n; i++) y[i] -= a * x[i] + bPrev * p[i];
      if (reorth) {
        basis[l].push(x);
        for (let pass = 0; pass < 2; pass++) {
          for (const q of basis[l]) {
            let h = 0;
            for (let i = 0; i < n; i++) h += q[i] * y[i];
            for (let i = 0; i < n; i++) y[i] -= h * q[i];
          }
        }
      }
      let beta = 0;
      for (let i = 0; i < n; i++) beta += y[i] * y[i];
      beta = Math.sqrt(beta);
      alphas[l].push(a);
      scale = Math.max(scale, Math.abs(a), beta);
      if (step === s - 1 || beta <= 1e-12 * Math.max(scale, 1e-300)) {
        active.delete(l); // s steps done, or an invariant subspace: the quadrature is exact for this probe
        return;
      }
      betas[l].push(beta);
      for (let i = 0; i < n; i++) y[i] /= beta;
      prev[l] = x;
      cur[l] = y;
    });
    opts.onProgress?.(passes, s);
  }
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let l = 0; l < m; l++) {
    const a = alphas[l];
    const j = a.length;
    const t = new Float64Array(j * j);
    for (let i = 0; i < j; i++) {
      t[i * j + i] = a[i];
      if (i + 1 < j) t[i * j + i + 1] = t[(i + 1) * j + i] = betas[l][i];
    }
    const e = eigh({ rows: j, cols: j, data: t }, { vectors: true, checkSymmetric: false });
    const V = (e.vectors as Matrix<Float64Array>).data;
    for (let i = 0; i < j; i++) {
      nodes.push(e.values[i]);
      weights.push((V[i] ** 2 / m) * ((n - kd) / n)); // first row of the eigenvector matrix
    }
  }
  for (let c = 0; c < kd; c++) {
    nodes.push(opts.deflate!.values[c]);
    weights.push(1 / n);
  }
  return measure(n, m, s, passes, nodes, weights);
}

/** The SLQ result object over nodes and weights (sorted here, weights renormalised to sum 1). */
function measure(n: number, probes: number, steps: number, passes: number, rawNodes: number[], rawWeights: number[]): SlqResult {
  const order = rawNodes.map((_, i) => i).sort((p, q) => rawNodes[p] - rawNodes[q]);
  const nodes = Float64Array.from(order, (i) => rawNodes[i]);
  const total = rawWeights.reduce((a, b) => a + b, 0);
  const weights = Float64Array.from(order, (i) => rawWeights[i] / total);
  const cum = new Float64Array(nodes.length);
  let acc = 0;
  for (let i = 0; i < nodes.length; i++) cum[i] = acc += weights[i];
  const cdf = (x: number): number => {
    let lo = 0;
    let hi = nodes.length; // first node > x
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (nodes[mid] <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : Math.min(1, cum[lo - 1]);
  };
  const silverman = (): number => {
    let mean = 0;
    for (let i = 0; i < nodes.length; i++) mean += weights[i] * nodes[i];
    let v = 0;
    for (let i = 0; i < nodes.length; i++) v += weights[i] * (nodes[i] - mean) ** 2;
    const q = (p: number): number => nodes[Math.min(nodes.length - 1, cum.findIndex((c) => c >= p))];
    const iqr = (q(0.75) - q(0.25)) / 1.34;
    const spread = iqr > 0 ? Math.min(Math.sqrt(v), iqr) : Math.sqrt(v);
    return 0.9 * (spread || 1) * Math.pow(n, -0.2);
  };
  return {
    n,
    probes,
    steps,
    passes,
    nodes,
    weights,
    cdf,
    density(x, bandwidth) {
      const h = bandwidth ?? silverman();
      if (!(h > 0)) throw new InvalidOptionError(`slq density: bandwidth must be > 0, got ${h}`);
      const out = new Float64Array(x.length);
      const c = 1 / (h * Math.sqrt(2 * Math.PI));
      for (let j = 0; j < x.length; j++) {
        let d = 0;
        for (let i = 0; i < nodes.length; i++) d += weights[i] * Math.exp(-0.5 * ((x[j] - nodes[i]) / h) ** 2);
        out[j] = c * d;
      }
      return out;
    },
    trace(f) {
      let t = 0;
      for (let i = 0; i < nodes.length; i++) t += weights[i] * f(nodes[i]);
      return n * t;
    },
    quantiles(count) {
      if (!Number.isSafeInteger(count) || count < 1) throw new InvalidOptionError(`slq quantiles: count must be a positive integer, got ${count}`);
      const out = new Float64Array(count);
      let i = 0;
      for (let j = 0; j < count; j++) {
        const p = (j + 0.5) / count;
        while (i < nodes.length - 1 && cum[i] < p) i++;
        out[j] = nodes[i];
      }
      return out;
    },
  };
}

/**
 * KS (in [0, 1]) and Wasserstein-1 (eigenvalue units) distances from the SLQ measure to a law, by spectrum()'s
 * own distance functions applied to `count` quantile points of the measure (default min(n, 20000)): the
 * discretisation adds at most 1/(2 count) to KS.
 */
export function slqDistance(d: SlqResult, law: LawDensity, count = Math.min(d.n, 20000)): { law: string; ks: number; w1: number } {
  const q = d.quantiles(count);
  return { law: law.law, ks: ksDistance(q, law), w1: wasserstein1(q, law) };
}

/** The SLQ density as an Arrow 'density' result: curve 'slq' on `points` grid points (and 'theory' with a law). */
export async function slqDensityTable(d: SlqResult, opts: { points?: number; bandwidth?: number; law?: LawDensity; runId?: string; label?: string } = {}): Promise<Table<DensityColumns>> {
  const points = opts.points ?? 512;
  const lo = d.nodes[0];
  const hi = d.nodes[d.nodes.length - 1];
  const pad = 0.05 * (hi - lo || 1);
  const x = Float64Array.from({ length: points }, (_, i) => lo - pad + ((hi - lo + 2 * pad) * i) / (points - 1));
  const label = opts.label ?? 'operator';
  const curves: DensityCurve[] = [{ curve: `${label}:slq`, law: 'empirical', params: { label, method: 'slq', probes: d.probes, steps: d.steps, n: d.n }, x, density: d.density(x, opts.bandwidth) }];
  if (opts.law) curves.push(lawCurve(opts.law, `${label}:theory`));
  return densityTable(curves, { params: { label, method: 'slq', probes: d.probes, steps: d.steps }, runId: opts.runId ?? randomUUID() });
}
