/**
 * Top (or bottom) k eigenpairs of a symmetric matrix or operator by thick-restart Lanczos with full
 * reorthogonalisation (Wu & Simon, SIAM J. Matrix Anal. Appl. 22 (2000); every new vector is orthogonalised
 * twice against the whole basis, so no ghost eigenvalues appear). The basis is kept in float64, the projected
 * matrix H = V^T A V is formed from the orthogonalisation coefficients and diagonalised by linalg's eigh.
 * At a restart the wanted Ritz vectors (and as many again) are kept and the residual vector continues the
 * Krylov space, so the decomposition A V = V H + beta v e^T stays exact.
 *
 * Single-vector Krylov spaces miss the second copy of a repeated eigenvalue (the start vector has one
 * direction in each eigenspace). After convergence a verification cycle therefore continues from a fresh random
 * vector orthogonal to the converged ones: a missed eigenvalue above the k-th shows up as a new Ritz value.
 *
 *   const { values, vectors } = await lanczos(op, { n: 20000, k: 10 });   // op: v -> NTK v
 *   await lanczos((v) => ntkVp(net, x, v), { n, k: 10, tol: 1e-6 });     // the engine's float32 product
 */
import { CancelledError, InvalidOptionError, NonFiniteError, ShapeError } from '../errors';
import { eigh, type Matrix } from '../linalg';
import { Rng } from '../random';
import { matrixOperator, SymmetricOperator } from './operator';

/** Options of lanczos(). */
export interface LanczosOptions {
  /** Number of eigenpairs wanted (default 10). */
  k?: number;
  /** Order n of the operator (required with an operator; a Matrix gives its own). */
  n?: number;
  /** 'largest' (algebraically, default) or 'smallest'. */
  which?: 'largest' | 'smallest';
  /** A pair counts as converged when ||A y - theta y|| <= tol * max |theta| (default 1e-10). */
  tol?: number;
  /** Basis size before a restart (default max(2k + 20, 40), at most n). */
  basis?: number;
  /** Give up after this many operator applications (default 100 * basis): result flagged converged: false. */
  maxMatvecs?: number;
  /** Seed of the random start vectors (default 0). */
  seed?: number;
  /** Run the verification cycle for missed multiple eigenvalues (default true). */
  verify?: boolean;
  /** Cancels between operator applications (CancelledError). */
  signal?: AbortSignal;
  /** Called after each operator application: (matvecs so far, pairs converged). */
  onProgress?: (matvecs: number, converged: number) => void;
}

/** k eigenpairs: values ordered from the end asked for (descending for 'largest'), vectors n x k (column j pairs with values[j]). */
export interface LanczosResult {
  values: Float64Array;
  vectors: Matrix<Float64Array>;
  /** ||A y_j - theta_j y_j|| for each pair (from the Lanczos decomposition). */
  residuals: Float64Array;
  matvecs: number;
  restarts: number;
  converged: boolean;
}

/** New Krylov vectors the verification cycle adds before it may stop. */
const VERIFY_STEPS = 15;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function isMatrix(a: unknown): a is Matrix {
  return typeof a === 'object' && a !== null && 'rows' in a && 'cols' in a && 'data' in a;
}

/** k extreme eigenpairs of a symmetric matrix or operator (see the file comment); resolves with the pairs and convergence data. */
export async function lanczos(a: Matrix | SymmetricOperator, opts: LanczosOptions = {}): Promise<LanczosResult> {
  let n: number;
  let apply: SymmetricOperator;
  if (typeof a === 'function') {
    if (opts.n === undefined || !Number.isInteger(opts.n) || opts.n < 1) {
      throw new InvalidOptionError(`lanczos: opts.n (the operator's order) must be a positive integer when a is an operator, got ${String(opts.n)}`);
    }
    n = opts.n;
    apply = a;
  } else if (isMatrix(a)) {
    ({ n, apply } = matrixOperator(a));
    if (opts.n !== undefined && opts.n !== n) throw new ShapeError(`lanczos: opts.n = ${opts.n} but a is ${n} x ${n}`);
  } else {
    throw new ShapeError('lanczos: a must be a square Matrix {rows, cols, data} or an operator v -> A v');
  }
  const k = opts.k ?? 10;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new InvalidOptionError(`lanczos: opts.k must be an integer in 1..n = ${n}, got ${k}`);
  const which = opts.which ?? 'largest';
  if (which !== 'largest' && which !== 'smallest') throw new InvalidOptionError(`lanczos: opts.which must be 'largest' or 'smallest', got '${String(which)}'`);
  const sign = which === 'largest' ? 1 : -1;
  const tol = opts.tol ?? 1e-10;
  if (!(tol > 0 && tol < 1)) throw new InvalidOptionError(`lanczos: opts.tol must be in (0, 1), got ${tol}`);
  const m = Math.min(n, opts.basis ?? Math.max(2 * k + 20, 40));
  if (!Number.isInteger(m) || m < Math.min(n, k + 2)) throw new InvalidOptionError(`lanczos: opts.basis must be an integer >= k + 2 = ${k + 2}, got ${opts.basis}`);
  const maxMatvecs = opts.maxMatvecs ?? 100 * m;
  const rng = new Rng(opts.seed ?? 0);

  const V: Float64Array[] = [];
  const H = new Float64Array(m * m);
  let matvecs = 0;
  let restarts = 0;
  let norm = 0; // running estimate of ||A|| (largest |Ritz value| seen)

  const applyChecked = async (v: Float64Array): Promise<Float64Array> => {
    if (opts.signal?.aborted) throw new CancelledError(`lanczos cancelled after ${matvecs} operator applications`);
    const w = await apply(v);
    matvecs++;
    if (!(w instanceof Float64Array || w instanceof Float32Array) || w.length !== n) {
      throw new ShapeError(`lanczos: the operator must return a Float64Array or Float32Array of length ${n}, got ${w && (w as { length?: number }).length} values`);
    }
    const out = Float64Array.from(w);
    for (let i = 0; i < n; i++) if (out[i] - out[i] !== 0) throw new NonFiniteError(`lanczos: the operator returned ${out[i]} at index ${i}`);
    return out;
  };
  /** w <- w - sum_i (v_i . w) v_i, twice; returns the accumulated coefficients. */
  const orthogonalise = (w: Float64Array): Float64Array => {
    const c = new Float64Array(V.length);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < V.length; i++) {
        const h = dot(V[i], w);
        c[i] += h;
        const v = V[i];
        for (let t = 0; t < n; t++) w[t] -= h * v[t];
      }
    }
    return c;
  };
  const randomUnit = (): Float64Array | undefined => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = rng.normals64(n);
      orthogonalise(r);
      const s = Math.sqrt(dot(r, r));
      if (s > 1e-8) {
        for (let t = 0; t < n; t++) r[t] /= s;
        return r;
      }
    }
    return undefined; // the basis spans the whole space
  };
  const ritz = (j: number): { theta: Float64Array; Y: Float64Array } => {
    const h = new Float64Array(j * j);
    for (let r = 0; r < j; r++) for (let c = 0; c < j; c++) h[r * j + c] = 0.5 * (H[r * m + c] + H[c * m + r]);
    const e = eigh({ rows: j, cols: j, data: h }, { vectors: true, checkSymmetric: false });
    return { theta: e.values, Y: (e.vectors as Matrix<Float64Array>).data };
  };
  /** Indices of the Ritz values in wanted order (largest sign * theta first). */
  const order = (theta: Float64Array): number[] => Array.from(theta.keys()).sort((p, q) => sign * (theta[q] - theta[p]));
  const combine = (Y: Float64Array, j: number, cols: number[]): Float64Array[] =>
    cols.map((c) => {
      const y = new Float64Array(n);
      for (let i = 0; i < j; i++) {
        const coef = Y[i * j + c];
        if (coef === 0) continue;
        const v = V[i];
        for (let t = 0; t < n; t++) y[t] += coef * v[t];
      }
      return y;
    });

  V.push(randomUnit() as Float64Array);
  let beta = 0;
  const verify = opts.verify !== false;
  let verifying = false;
  let verifyStart = 0; // basis size when the verification cycle began (its new vectors are counted from there)
  let base = 1; // basis size at the start of the current cycle
  let result: { theta: Float64Array; Y: Float64Array; j: number; picked: number[]; res: Float64Array } | undefined;
  let converged = false;

  for (;;) {
    const last = V.length - 1;
    const w = await applyChecked(V[last]);
    const c = orthogonalise(w);
    for (let i = 0; i <= last; i++) {
      H[i * m + last] = c[i];
      H[last * m + i] = c[i];
    }
    norm = Math.max(norm, Math.abs(c[last]));
    beta = Math.sqrt(dot(w, w));
    const j = V.length;
    const full = j === m || j === n;
    const invariant = beta <= 1e-14 * Math.max(norm, 1e-300);
    // Ritz pairs at a full basis, and every 5 steps (a spike converges in a handful of steps, long before the basis fills).
    if (full || (j >= k + 1 && (j - base) % 5 === 0)) {
      const { theta, Y } = ritz(j);
      const picked = order(theta);
      const res = new Float64Array(j);
      for (let t = 0; t < j; t++) {
        res[t] = Math.abs(beta * Y[(j - 1) * j + t]);
        norm = Math.max(norm, Math.abs(theta[t]));
      }
      const wanted = picked.slice(0, k);
      const done = j === n || wanted.every((t) => res[t] <= tol * norm);
      result = { theta, Y, j, picked: wanted, res };
      opts.onProgress?.(matvecs, wanted.filter((t) => res[t] <= tol * norm).length);
      if (done && (!verify || j === n || (verifying && j - verifyStart >= VERIFY_STEPS))) {
        converged = true;
        break;
      }
      if (matvecs >= maxMatvecs) break;
      if (full || (done && !verifying)) {
        // Restart. Verification: keep every converged pair, continue from a random direction orthogonal to them.
        // Otherwise (thick restart): keep the wanted Ritz vectors and as many of the next ones again; the residual
        // direction continues the Krylov space (its couplings beta * Y[j-1][.] come back from orthogonalise()).
        restarts++;
        const startVerify = done && !verifying;
        const keep = startVerify
          ? picked.filter((t) => res[t] <= tol * norm).slice(0, m - VERIFY_STEPS - 1)
          : picked.slice(0, Math.min(j - 1, k + Math.max(1, Math.floor((m - k) / 2))));
        const next = !startVerify && !invariant ? w.map((x) => x / beta) : undefined;
        const kept = combine(Y, j, keep);
        H.fill(0);
        V.length = 0;
        kept.forEach((y, i) => {
          V.push(y);
          H[i * m + i] = theta[keep[i]];
        });
        let fresh: Float64Array | undefined;
        if (next) {
          orthogonalise(next);
          const sn = Math.sqrt(dot(next, next));
          if (sn > 1e-8) fresh = next.map((x) => x / sn);
        }
        fresh ??= randomUnit();
        if (fresh) V.push(fresh);
        if (startVerify) {
          verifying = true;
          verifyStart = V.length - 1;
        } else if (verifying) verifyStart = -Infinity; // the verification's steps are behind us: stop once converged
        base = V.length;
        continue;
      }
    } else if (matvecs >= maxMatvecs) break;
    if (invariant) {
      // Invariant subspace: continue the basis with a fresh direction (zero coupling).
      const r = randomUnit();
      if (!r) {
        if (!result || result.j !== j) {
          const { theta, Y } = ritz(j);
          const picked = order(theta);
          result = { theta, Y, j, picked: picked.slice(0, k), res: new Float64Array(j) };
        }
        converged = true;
        break;
      }
      V.push(r);
    } else {
      for (let t = 0; t < n; t++) w[t] /= beta;
      V.push(w);
      H[j * m + last] = beta;
      H[last * m + j] = beta;
    }
  }
  if (!result) {
    const j = V.length;
    const { theta, Y } = ritz(j);
    result = { theta, Y, j, picked: order(theta).slice(0, k), res: new Float64Array(j).fill(Infinity) };
  }

  const { theta, Y, j, picked, res } = result as NonNullable<typeof result>;
  const vectorsCols = combine(Y, j, picked);
  const vectors = new Float64Array(n * k);
  vectorsCols.forEach((y, c) => {
    for (let t = 0; t < n; t++) vectors[t * k + c] = y[t];
  });
  return {
    values: Float64Array.from(picked, (c) => theta[c]),
    vectors: { rows: n, cols: k, data: vectors },
    residuals: Float64Array.from(picked, (c) => res[c]),
    matvecs,
    restarts,
    converged,
  };
}
