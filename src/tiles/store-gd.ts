/**
 * Gradient flow on an MSE loss with a kernel that lives only on disk (gradientDescentMse's conventions, initial outputs
 * zero): after t steps of size lr, with tau = lr t / N (N the loss divisor),
 *   f_t(train) = (I - exp(-tau K)) y            f_t(x*) = K(x*, x) alpha_t,  alpha_t = K^{-1} (I - exp(-tau K)) y
 * (with `diagReg` delta, K + delta I throughout, as gradientDescentMse's diagReg: both sets of predictions use it)
 * by Lanczos on each target column (every column's step shares one pass over the store; full reorthogonalisation):
 * with Q_s the Krylov basis and T_s = Q_s^T K Q_s = W diag(theta) W^T, g(K) y ~ ||y|| Q_s W g(theta) W^T e_1 for
 * g(x) = 1 - exp(-tau x) and g(x) = (1 - exp(-tau x)) / x, every requested time from the same basis. At t = Infinity
 * alpha is K^{-1} y from this Krylov space: the CG iterate (Lanczos and CG build the same space), without a ridge.
 * A column stops when, for every time, both coefficient vectors moved by <= tol (relative) over two steps, or when
 * its Krylov space is invariant (exact). Predictions for x* take one pass over a cross job for all times at once.
 *
 *   const train = await TileStoreOperator.open('runs/train');
 *   const r = await gradientDescentOnStore(train, y, { times: [1, 10, 100], cross: await TileStoreOperator.open('runs/test-train') });
 *   r.train[2]; r.predictions![2];   // n x k and m x k at t = 100
 */
import { CancelledError, InvalidOptionError, MemoryBudgetError, ShapeError } from '../errors';
import { eigh, type Matrix } from '../linalg';
import type { LossNormalization } from '../predict/types';
import type { BlockOperator } from '../spectra/block-operator';
import { TileStoreOperator } from './store-operator';

/** A rectangular operator K(x*, x): n-vectors (columns) to m-vectors (rows); a cross job's TileStoreOperator. */
export interface CrossOperator {
  readonly rows: number;
  readonly cols: number;
  apply(v: Matrix<Float64Array>): Promise<Matrix<Float64Array>>;
}

/** Options of gradientDescentOnStore(). */
export interface StoreGdOptions {
  /** Times t >= 0 in steps of size lr (Infinity allowed: the minimum-norm interpolant). */
  times: readonly number[];
  /** Step size (default 1). */
  lr?: number;
  /** Divisor of the loss 1/(2N) |f - y|^2: 'mean' N = n k (default, neural-tangents'), 'per-example' n, 'sum' 1. */
  lossNormalization?: LossNormalization;
  /** delta >= 0: train with K + delta I (absolute, as gradientDescentMse's diagReg; default 0). */
  diagReg?: number;
  /** Relative change of the Krylov coefficients to stop at (default 1e-10). */
  tol?: number;
  /** Lanczos steps (passes) at most (default min(n, 500)). */
  maxSteps?: number;
  /** Cross kernel K(x*, x) (rows x*, columns the training examples): predictions for x*. */
  cross?: CrossOperator;
  /** Refuse a Krylov basis (k columns x steps x n float64) over this many bytes (default 2 GiB). */
  maxBytes?: number;
  signal?: AbortSignal;
  /** After each step: (steps so far, largest relative change over columns and times, columns converged). */
  onStep?: (step: number, change: number, converged: number) => void;
}

/** Predictions at each requested time. */
export interface StoreGdResult {
  times: Float64Array;
  /** tau = lr t / N per time (gradient-flow time on 1/2 |f - y|^2). */
  flowTimes: Float64Array;
  /** f_t on the training examples, n x k per time. */
  train: Matrix<Float64Array>[];
  /** alpha_t = K^{-1} (I - exp(-tau K)) y, n x k per time: f_t(x) = K(x, X) alpha_t. */
  alpha: Matrix<Float64Array>[];
  /** m x k per time (with `cross`). */
  predictions?: Matrix<Float64Array>[];
  /** Lanczos steps taken (= passes over the training store). */
  steps: number;
  /** Each column's steps. */
  columnSteps: Int32Array;
  converged: boolean;
  /** Largest relative change of the last step per column. */
  changes: Float64Array;
  /** Passes over the training store and over the cross store. */
  passes: number;
}

const DIVISORS: Record<LossNormalization, (n: number, k: number) => number> = { mean: (n, k) => n * k, 'per-example': (n) => n, sum: () => 1 };

/** Coefficients (length s) of g(T) e_1 for each time and both functions: [train..., alpha...]. */
function coefficients(alphas: number[], betas: number[], taus: Float64Array, shift: number): Float64Array[] {
  const s = alphas.length;
  const T = new Float64Array(s * s);
  for (let i = 0; i < s; i++) {
    T[i * s + i] = alphas[i] + shift; // K + delta I has K's Krylov space, its T shifted by delta
    if (i + 1 < s) T[i * s + i + 1] = T[(i + 1) * s + i] = betas[i];
  }
  const e = eigh({ rows: s, cols: s, data: T }, { vectors: true, checkSymmetric: false });
  const W = (e.vectors as Matrix<Float64Array>).data;
  const out: Float64Array[] = [];
  for (const which of ['train', 'alpha'] as const) {
    for (const tau of taus) {
      const c = new Float64Array(s);
      for (let j = 0; j < s; j++) {
        const th = e.values[j];
        // 1 - exp(-tau theta) and (1 - exp(-tau theta)) / theta (-> tau as theta -> 0; 1/theta at tau = Infinity).
        const oneMinus = tau === Infinity ? 1 : -Math.expm1(-tau * th);
        const g = which === 'train' ? oneMinus : th > 0 ? (tau === Infinity ? 1 / th : oneMinus / th) : tau === Infinity ? 0 : tau;
        const w = g * W[j]; // W[0, j] = first component of eigenvector j
        for (let i = 0; i < s; i++) c[i] += W[i * s + j] * w;
      }
      out.push(c);
    }
  }
  return out;
}

function relChange(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - (i < b.length ? b[i] : 0)) ** 2;
    den += a[i] ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}

/** Gradient-flow (MSE) predictions at finite times on a kernel operator, by Lanczos (see the file comment). */
export async function gradientDescentOnStore(train: BlockOperator, y: Matrix, opts: StoreGdOptions): Promise<StoreGdResult> {
  const n = train.n;
  if (train instanceof TileStoreOperator && !train.symmetric) throw new InvalidOptionError(`${train.job.dir}: a cross kernel K(x1, x2); gradient descent needs the training kernel K(x, x) (a job planned without x2)`);
  if (y.rows !== n || y.cols < 1 || y.data.length !== y.rows * y.cols) throw new ShapeError(`gradientDescentOnStore: targets must be ${n} x k (k >= 1), got ${y.rows} x ${y.cols}`);
  const k = y.cols;
  const times = Float64Array.from(opts.times);
  if (!times.length) throw new InvalidOptionError('gradientDescentOnStore: times must hold at least one t >= 0');
  for (const t of times) if (!(t >= 0)) throw new InvalidOptionError(`gradientDescentOnStore: times must be >= 0 (Infinity allowed), got ${t}`);
  const lr = opts.lr ?? 1;
  if (!(lr > 0) || !Number.isFinite(lr)) throw new InvalidOptionError(`gradientDescentOnStore: lr must be finite and > 0, got ${lr}`);
  const norm = opts.lossNormalization ?? 'mean';
  if (!Object.hasOwn(DIVISORS, norm)) throw new InvalidOptionError(`gradientDescentOnStore: lossNormalization must be 'mean', 'per-example' or 'sum', got '${String(norm)}'`);
  const tol = opts.tol ?? 1e-10;
  if (!(tol > 0 && tol < 1)) throw new InvalidOptionError(`gradientDescentOnStore: tol must be in (0, 1), got ${tol}`);
  const maxSteps = Math.min(n, opts.maxSteps ?? 500);
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) throw new InvalidOptionError(`gradientDescentOnStore: maxSteps must be a positive integer, got ${opts.maxSteps}`);
  const shift = opts.diagReg ?? 0;
  if (!(shift >= 0) || !Number.isFinite(shift)) throw new InvalidOptionError(`gradientDescentOnStore: diagReg must be finite and >= 0, got ${shift}`);
  const cross = opts.cross;
  if (cross) await checkCross(train, cross);
  const need = k * maxSteps * n * 8;
  const maxBytes = opts.maxBytes ?? 2 * 2 ** 30;
  if (need > maxBytes) throw new MemoryBudgetError(`gradientDescentOnStore: a Krylov basis of ${maxSteps} steps for ${k} columns at n = ${n} needs ${(need / 2 ** 30).toFixed(2)} GiB, over the budget of ${(maxBytes / 2 ** 30).toFixed(2)} GiB: lower maxSteps`, need, maxBytes);
  const taus = Float64Array.from(times, (t) => (t === Infinity ? Infinity : (lr * t) / DIVISORS[norm](n, k)));
  const T = taus.length;

  // Per column: basis vectors, Lanczos coefficients, last coefficients and state.
  const basis: Float64Array[][] = [];
  const alphas: number[][] = Array.from({ length: k }, () => []);
  const betas: number[][] = Array.from({ length: k }, () => []);
  const ynorm = new Float64Array(k);
  const last: (Float64Array[] | undefined)[] = new Array(k).fill(undefined);
  const quiet = new Int32Array(k); // consecutive steps under tol
  const changes = new Float64Array(k).fill(Infinity);
  const columnSteps = new Int32Array(k);
  const done = new Uint8Array(k);
  for (let j = 0; j < k; j++) {
    const q = Float64Array.from({ length: n }, (_, i) => y.data[i * k + j]);
    const s = Math.sqrt(q.reduce((a, b) => a + b * b, 0));
    ynorm[j] = s;
    if (s > 0) for (let i = 0; i < n; i++) q[i] /= s;
    else done[j] = 1; // zero targets: zero predictions
    basis.push([q]);
  }
  const passesBefore = 'passes' in train && typeof train.passes === 'number' ? train.passes : 0;
  let step = 0;
  while (step < maxSteps) {
    const active = Array.from({ length: k }, (_, j) => j).filter((j) => !done[j]);
    if (!active.length) break;
    if (opts.signal?.aborted) throw new CancelledError(`gradientDescentOnStore cancelled after ${step} steps`);
    const c = active.length;
    const P: Matrix<Float64Array> = { rows: n, cols: c, data: new Float64Array(n * c) };
    active.forEach((j, t) => {
      const q = basis[j][basis[j].length - 1];
      for (let i = 0; i < n; i++) P.data[i * c + t] = q[i];
    });
    const AP = await train.apply(P);
    step++;
    active.forEach((j, t) => {
      const Q = basis[j];
      const w = Float64Array.from({ length: n }, (_, i) => AP.data[i * c + t]);
      const q = Q[Q.length - 1];
      let a = 0;
      for (let i = 0; i < n; i++) a += q[i] * w[i];
      alphas[j].push(a);
      // Full reorthogonalisation, twice ("twice is enough"): the three-term recurrence alone loses orthogonality.
      for (let pass = 0; pass < 2; pass++) {
        for (const v of Q) {
          let d = 0;
          for (let i = 0; i < n; i++) d += v[i] * w[i];
          for (let i = 0; i < n; i++) w[i] -= d * v[i];
        }
      }
      const b = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
      columnSteps[j] = step;
      // The s x s eigenproblem costs O(s^3): checked every step early on, then about 20 times per doubling of s.
      const s = alphas[j].length;
      if (s <= 40 || s % Math.ceil(s / 20) === 0) {
        const coef = coefficients(alphas[j], betas[j], taus, shift);
        const prev = last[j];
        const change = prev ? Math.max(...coef.map((cf, u) => relChange(cf, prev[u]))) : Infinity;
        last[j] = coef;
        changes[j] = change;
        quiet[j] = change <= tol ? quiet[j] + 1 : 0;
      }
      // An invariant Krylov space (beta ~ 0 against the operator's scale) makes the coefficients exact.
      const invariant = b <= 1e-13 * Math.max(...alphas[j].map(Math.abs)) || Q.length >= n;
      if (invariant || quiet[j] >= 2) {
        done[j] = 1;
        if (invariant) changes[j] = 0;
        return;
      }
      betas[j].push(b);
      for (let i = 0; i < n; i++) w[i] /= b;
      Q.push(w);
    });
    opts.onStep?.(step, Math.max(...changes.filter((_, j) => !(ynorm[j] === 0))), done.reduce((a, b) => a + b, 0));
  }
  // Final coefficients from the whole tridiagonal of each column (the last check may predate the last steps).
  for (let j = 0; j < k; j++) if (ynorm[j] > 0) last[j] = coefficients(alphas[j], betas[j], taus, shift);
  // f = ||y|| Q_s c for each time and function.
  const trainOut: Matrix<Float64Array>[] = [];
  const alphaOut: Matrix<Float64Array>[] = [];
  for (let u = 0; u < 2 * T; u++) {
    const m: Matrix<Float64Array> = { rows: n, cols: k, data: new Float64Array(n * k) };
    for (let j = 0; j < k; j++) {
      const coef = last[j]?.[u];
      if (!coef) continue;
      for (let s = 0; s < coef.length; s++) {
        const v = basis[j][s];
        const w = ynorm[j] * coef[s];
        for (let i = 0; i < n; i++) m.data[i * k + j] += w * v[i];
      }
    }
    (u < T ? trainOut : alphaOut).push(m);
  }
  const passesAfter = 'passes' in train && typeof train.passes === 'number' ? train.passes : step;
  const result: StoreGdResult = {
    times,
    flowTimes: taus,
    train: trainOut,
    alpha: alphaOut,
    steps: step,
    columnSteps,
    converged: changes.every((v, j) => ynorm[j] === 0 || v <= tol),
    changes: changes.map((v, j) => (ynorm[j] === 0 ? 0 : v)),
    passes: passesAfter - passesBefore,
  };
  if (cross) {
    // One pass for every time: the n x (T k) block [alpha_1 ... alpha_T].
    const wide: Matrix<Float64Array> = { rows: n, cols: T * k, data: new Float64Array(n * T * k) };
    alphaOut.forEach((a, u) => {
      for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) wide.data[i * T * k + u * k + j] = a.data[i * k + j];
    });
    const p = await cross.apply(wide);
    const m = cross.rows;
    result.predictions = alphaOut.map((_, u) => {
      const out = new Float64Array(m * k);
      for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) out[i * k + j] = p.data[i * T * k + u * k + j];
      return { rows: m, cols: k, data: out };
    });
    result.passes++;
  }
  return result;
}

/** The cross job must map this job's examples: K(x*, x) with x2 = the training x1 and the same model. */
async function checkCross(train: BlockOperator, cross: CrossOperator): Promise<void> {
  if (cross.cols !== train.n) throw new ShapeError(`gradientDescentOnStore: the cross kernel has ${cross.cols} columns; predictions need K(x*, x) with the training kernel's ${train.n} examples as columns`);
  if (!(train instanceof TileStoreOperator && cross instanceof TileStoreOperator)) return;
  const x2 = (await cross.job.inputs()).x2;
  const x1 = (await train.job.inputs()).x1;
  const same = x2 !== null && x2.data.length === x1.data.length && x2.data.every((v, i) => Object.is(v, x1.data[i]));
  if (!same) throw new InvalidOptionError(`${cross.job.dir}: its x2 is not ${train.job.dir}'s x1 (the examples differ): plan the cross job with x2 = the training inputs`);
  const models = (o: TileStoreOperator): string => o.job.manifest.model.files.map((f) => o.job.manifest.files[f]?.sha256).join(',');
  if (models(cross) !== models(train)) throw new InvalidOptionError(`${cross.job.dir}: another model than ${train.job.dir}'s (model files' sha256 differ)`);
}
