/**
 * Hutch++ (Meyer, Musco, Musco & Woodruff, "Hutch++: optimal stochastic trace estimation", SOSA 2021): tr A of a
 * symmetric block operator from m matrix-vector products in three block passes. With k = floor(m / 3) and
 * l = m - 2k Rademacher vectors:
 *   pass 1  Q = orth(A S)               S: n x k, the sketch of A's top range
 *   pass 2  t1 = tr(Q^T A Q)            exact on that range
 *   pass 3  t2 = (1/l) sum_i g_i^T A g_i  over g_i = (I - Q Q^T) G_i: Hutchinson on the deflated rest
 * so tr A ~ t1 + t2, with error O(||A||_* / m) for a PSD A against Hutchinson's O(||A||_F / sqrt m). The standard
 * error is the sample standard deviation of the l terms g_i^T A g_i over sqrt(l) (t1 carries none given Q).
 *
 *   const r = await hutchpp(op, { queries: 60 });        // r.estimate, r.standardError, r.passes = 3
 *   const r = await hutchpp(op, { queries: 60, f: (v) => expmv(v) });  // tr f(A) via your own f(A) V
 */
import { InvalidOptionError, ShapeError } from '../errors';
import { matmul, type Matrix } from '../linalg';
import { Rng } from '../random';
import { svqb } from './block-basis';
import type { BlockOperator } from './block-operator';

/** Options of hutchpp(). */
export interface HutchppOptions {
  /** Matrix-vector products m >= 3 (split k = floor(m / 3) sketch, k range, m - 2k Hutchinson vectors). */
  queries: number;
  /** Seed of the Rademacher vectors (default 0). */
  seed?: number;
  /** V (n x b) -> f(A) V for the trace of a matrix function (default: the operator's own apply). */
  f?: (v: Matrix<Float64Array>) => Promise<Matrix<Float64Array>>;
}

/** The estimate and where it came from. */
export interface HutchppResult {
  /** Estimate of tr A (or tr f(A)), in A's units. */
  estimate: number;
  /** Estimated standard deviation of `estimate` (from the Hutchinson terms' spread). */
  standardError: number;
  /** tr(Q^T A Q): the exact part on the sketched range. */
  lowRank: number;
  /** Hutchinson estimate of the deflated rest, tr((I - QQ^T) A (I - QQ^T)). */
  remainder: number;
  /** Sketch size k (columns of Q, fewer when A S lost rank) and Hutchinson vectors l. */
  rank: number;
  hutchinson: number;
  /** Block applications made: 3 (2 when A S is zero). */
  passes: number;
}

function rademacher(rng: Rng, n: number, b: number): Matrix<Float64Array> {
  const data = new Float64Array(n * b);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform() < 0.5 ? -1 : 1;
  return { rows: n, cols: b, data };
}

/** Hutch++ estimate of tr A (or tr f(A)) in three block passes (see the file comment). */
export async function hutchpp(op: BlockOperator, opts: HutchppOptions): Promise<HutchppResult> {
  const n = op.n;
  const m = opts.queries;
  if (!Number.isSafeInteger(m) || m < 3) throw new InvalidOptionError(`hutchpp: queries must be an integer >= 3, got ${m}`);
  const apply = opts.f ?? ((v: Matrix<Float64Array>) => op.apply(v));
  const k = Math.min(Math.floor(m / 3), n);
  const l = m - 2 * k;
  const rng = new Rng(opts.seed ?? 0);
  const checked = async (v: Matrix<Float64Array>): Promise<Matrix<Float64Array>> => {
    const r = await apply(v);
    if (r.rows !== n || r.cols !== v.cols || r.data.length !== n * v.cols) throw new ShapeError(`hutchpp: f(A) V must be ${n} x ${v.cols}, got ${r.rows} x ${r.cols}`);
    return r;
  };
  const as = await checked(rademacher(rng, n, k));
  let norm = 0;
  for (const x of as.data) norm += x * x;
  // Directions of A S below rounding of its norm carry nothing: svqb drops them (Q may have fewer than k columns).
  const q = svqb(as, 1e-12 * Math.sqrt(norm) + Number.MIN_VALUE);
  let lowRank = 0;
  if (q.cols > 0) {
    const aq = await checked(q);
    for (let i = 0; i < q.data.length; i++) lowRank += q.data[i] * aq.data[i];
  }
  const g = rademacher(rng, n, l);
  if (q.cols > 0) {
    const c = matmul(q, g, { transA: true, checkFinite: false });
    const qc = matmul(q, c, { checkFinite: false });
    for (let i = 0; i < g.data.length; i++) g.data[i] -= qc.data[i];
  }
  const ag = await checked(g);
  const terms = new Float64Array(l);
  for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) terms[j] += g.data[i * l + j] * ag.data[i * l + j];
  const mean = terms.reduce((a, b) => a + b, 0) / l;
  const variance = l > 1 ? terms.reduce((a, b) => a + (b - mean) ** 2, 0) / (l - 1) : NaN;
  return { estimate: lowRank + mean, standardError: Math.sqrt(variance / l), lowRank, remainder: mean, rank: q.cols, hutchinson: l, passes: q.cols > 0 ? 3 : 2 };
}
