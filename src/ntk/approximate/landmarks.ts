/**
 * Landmark selection for Nystrom: uniformly at random, or by greedy pivoted Cholesky (each next landmark is the
 * example of largest residual diagonal K_ii - |F_i|^2, i.e. worst represented by the landmarks so far). Columns of
 * the NTK cost a forward-backward pass of all n examples per ntk() call, so pivots are chosen in rounds: a pool of
 * the 4b largest residuals, greedy pivoted Cholesky on the pool's own exact residual block (cheap, b pivots exactly
 * as the sequential algorithm would pick them among the pool), then one ntk(x, x_B) call for the b chosen columns.
 */
import { Rng } from '../../random';
import { Rows, sampleIndices } from './rows';

/** Exact cross kernel K(x, x_idx) (n x |idx| row-major, trace layout). */
export type Columns = (idx: readonly number[]) => Promise<Float32Array>;
/** Exact kernel of the examples idx among themselves (|idx| x |idx|). */
export type Block = (idx: readonly number[]) => Promise<Float32Array>;

/** Chosen landmarks and their exact columns K(x, x_L), n x m row-major; `exactEntries` counts what selection computed besides. */
export interface Landmarks {
  indices: number[];
  columns: Float32Array;
  exactEntries: number;
}

/** m landmarks uniformly at random without replacement. */
export async function uniformLandmarks(rows: Rows, m: number, rng: Rng, columns: Columns): Promise<Landmarks> {
  const indices = sampleIndices(rows.n, m, rng);
  return { indices, columns: await columns(indices), exactEntries: 0 };
}

/** Examples per ntk() call for the diagonal: each call has a fixed overhead (~10-20 ms), each block costs chunk^2 entries. */
const DIAGONAL_CHUNK = 64;

/** The diagonal K_ii of the exact kernel, from blocks of `chunk` examples (about n chunk entries in all). */
async function diagonal(n: number, block: Block, chunk = DIAGONAL_CHUNK): Promise<Float64Array> {
  const d = new Float64Array(n);
  for (let s = 0; s < n; s += chunk) {
    const idx = Array.from({ length: Math.min(chunk, n - s) }, (_, t) => s + t);
    const K = await block(idx);
    idx.forEach((i, t) => (d[i] = K[t * idx.length + t]));
  }
  return d;
}

/**
 * Up to m landmarks by greedy pivoted Cholesky; stops early when every residual is below tol times the largest
 * diagonal (the kernel is numerically of lower rank), returning fewer landmarks.
 */
export async function pivotedCholeskyLandmarks(rows: Rows, m: number, columns: Columns, block: Block, tol = 1e-6): Promise<Landmarks> {
  const n = rows.n;
  const diag = await diagonal(n, block);
  let exactEntries = 0;
  for (let s = 0; s < n; s += DIAGONAL_CHUNK) exactEntries += Math.min(DIAGONAL_CHUNK, n - s) ** 2;
  const F = new Float64Array(n * m); // row-major n x m, the first r columns filled
  const C = new Float32Array(n * m); // exact columns in landmark order
  const chosen: number[] = [];
  const isChosen = new Uint8Array(n);
  const maxDiag = diag.reduce((a, b) => Math.max(a, b), 0);
  const per = Math.max(1, Math.ceil(m / 8));
  let r = 0;
  while (r < m) {
    const b = Math.min(per, m - r);
    const resid: { i: number; v: number }[] = [];
    for (let i = 0; i < n; i++) {
      if (isChosen[i]) continue;
      let v = diag[i];
      for (let t = 0; t < r; t++) v -= F[i * m + t] ** 2;
      resid.push({ i, v });
    }
    resid.sort((p, q) => q.v - p.v);
    const pool = resid.slice(0, Math.min(resid.length, 4 * b)).map((p) => p.i);
    if (pool.length === 0 || resid[0].v <= tol * maxDiag) break;
    // The pool's residual block R = K_QQ - F_Q F_Q^T, then b greedy steps on it.
    const KQ = await block(pool);
    exactEntries += pool.length ** 2;
    const c = pool.length;
    const R = new Float64Array(c * c);
    for (let p = 0; p < c; p++) {
      for (let q = 0; q < c; q++) {
        let v = KQ[p * c + q];
        for (let t = 0; t < r; t++) v -= F[pool[p] * m + t] * F[pool[q] * m + t];
        R[p * c + q] = v;
      }
    }
    const picked: number[] = [];
    const used = new Uint8Array(c);
    for (let t = 0; t < b; t++) {
      let best = -1;
      for (let p = 0; p < c; p++) if (!used[p] && (best < 0 || R[p * c + p] > R[best * c + best])) best = p;
      if (best < 0 || R[best * c + best] <= tol * maxDiag) break;
      used[best] = 1;
      picked.push(best);
      const piv = R[best * c + best];
      const col = Array.from({ length: c }, (_, p) => R[p * c + best]);
      for (let p = 0; p < c; p++) for (let q = 0; q < c; q++) R[p * c + q] -= (col[p] * col[q]) / piv;
    }
    if (picked.length === 0) break;
    const B = picked.map((p) => pool[p]);
    const KxB = await columns(B);
    B.forEach((g, j) => {
      let colNorm = KxB[g * B.length + j];
      for (let t = 0; t < r; t++) colNorm -= F[g * m + t] ** 2;
      const scale = 1 / Math.sqrt(Math.max(colNorm, Number.MIN_VALUE));
      for (let i = 0; i < n; i++) {
        let v = KxB[i * B.length + j];
        for (let t = 0; t < r; t++) v -= F[i * m + t] * F[g * m + t];
        F[i * m + r] = v * scale;
        C[i * m + r] = KxB[i * B.length + j];
      }
      chosen.push(g);
      isChosen[g] = 1;
      r++;
    });
  }
  if (r === m) return { indices: chosen, columns: C, exactEntries };
  const Cr = new Float32Array(n * r);
  for (let i = 0; i < n; i++) Cr.set(C.subarray(i * m, i * m + r), i * r);
  return { indices: chosen, columns: Cr, exactEntries };
}

