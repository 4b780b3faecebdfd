/**
 * Contraction of per-example gradient factors into a block of the kernel, J_1 J_2^T of one parameter tensor, by
 * layout, with Gram products on OpenBLAS (SYRK when both sides are the same examples). See factors.ts for the kinds.
 */
import { Matrix, gram, gramAsync, matmul, matmulAsync } from '../../linalg';
import { OutputLayout } from '../kernel';
import { accumulateLayer, mirrorLower as mirrorSquare } from '../explicit/elementwise';
import { giveScratch, takeScratch } from '../explicit/scratch';
import { Factor, OuterFactor, PatchFactor } from './factors';
import { addTime, profiled } from './profile';

/** Rows a..: the k-strided rows of output a, [n, cols] (for the 'diagonal' layout). */
function outputRows(g: Float32Array, n: number, k: number, cols: number, a: number): Float32Array {
  if (k === 1) return g;
  const out = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) out.set(g.subarray((i * k + a) * cols, (i * k + a + 1) * cols), i * cols);
  return out;
}

function m(rows: number, cols: number, data: Float32Array): Matrix<Float32Array> {
  return { rows, cols, data };
}

/**
 * Multiply-adds up to which a Gram runs on the calling thread (~40-80 ms on two cores, as long as a pass over a chunk
 * of examples already holds it). An async product copies its inputs first (JavaScript may change them meanwhile:
 * src/linalg/native/staging.h), and for a block's features, n x d against n x n x d work, the copy cost as much as
 * half the product (the CNN's dense layer at n = 500: 37 MB, ~25 ms of copies and fresh pages beside a 24 ms SYRK);
 * larger products go off the event loop.
 */
const SYNC_GRAM_MULADDS = 2 ** 33;

/** A B^T, or A A^T by SYRK when both are the same array; into `into` [rowsA, rowsB] when given. */
async function gramOf(a: Float32Array, b: Float32Array, rowsA: number, rowsB: number, cols: number, alpha = 1, into?: Float32Array): Promise<Float32Array> {
  const out = into ? m(rowsA, rowsB, into) : undefined;
  if (rowsA * rowsB * cols <= SYNC_GRAM_MULADDS) {
    if (a === b) return gram(m(rowsA, cols, a), { alpha, checkFinite: false, out }).data;
    return matmul(m(rowsA, cols, a), m(rowsB, cols, b), { transB: true, alpha, checkFinite: false, out }).data;
  }
  if (a === b) return (await gramAsync(m(rowsA, cols, a), { alpha, checkFinite: false, out })).data;
  return (await matmulAsync(m(rowsA, cols, a), m(rowsB, cols, b), { transB: true, alpha, checkFinite: false, out })).data;
}

/**
 * Loops over example pairs (i, j) of a block: every pair, or for a diagonal block of a symmetric kernel (`lower`)
 * only j <= i: the caller mirrors the rest (mirrorLower), halving the elementwise passes.
 */
function cols(i: number, n2: number, lower: boolean): number {
  return lower ? i + 1 : n2;
}

/** Contracts per-example gradient rows G1 [(n1 k), c], G2 [(n2 k), c] into the block by layout, added into `out`. */
async function addRows(out: Float32Array, g1: Float32Array, g2: Float32Array, n1: number, n2: number, k: number, c: number, layout: OutputLayout, alpha: number): Promise<void> {
  const lower = g1 === g2;
  if (layout === 'full') {
    const p = await gramOf(g1, g2, n1 * k, n2 * k, c, alpha);
    const W = n2 * k;
    for (let r = 0; r < n1 * k; r++) {
      const end = cols(Math.floor(r / k), n2, lower) * k;
      for (let q = r * W; q < r * W + end; q++) out[q] += p[q];
    }
  } else if (layout === 'trace') {
    // Viewed as n x (k c), a row concatenates the k outputs' gradients: the Gram sums over a.
    const p = await gramOf(g1, g2, n1, n2, k * c, alpha);
    for (let i = 0; i < n1; i++) for (let q = i * n2; q < i * n2 + cols(i, n2, lower); q++) out[q] += p[q];
  } else {
    for (let a = 0; a < k; a++) {
      const r1 = outputRows(g1, n1, k, c, a);
      const r2 = g2 === g1 ? r1 : outputRows(g2, n2, k, c, a);
      const p = await gramOf(r1, r2, n1, n2, c, alpha);
      for (let i = 0; i < n1; i++) for (let q = i * n2; q < i * n2 + cols(i, n2, lower); q++) out[q * k + a] += p[q];
    }
  }
}

/**
 * The D D'^T Grams of the last 'outer' contraction of a block, for the 'shared' (bias) factor after it: one Gram
 * ('trace', 'full') or one per output ('diagonal'). Pass the same object to the contractions of one block, in order.
 */
export interface GramCache {
  dg: Float32Array[] | null;
}

/** scale (H1 H2^T) o (D1 D2^T) by layout, added into `out`; the D Grams are left in `cache`. */
async function addOuter(out: Float32Array, f1: OuterFactor, f2: OuterFactor, layout: OutputLayout, cache: GramCache): Promise<void> {
  const { k } = f1;
  const n1 = f1.n;
  const n2 = f2.n;
  const lower = f1 === f2;
  if (layout === 'trace') {
    // Pooled Gram arrays: fresh 4 MB ones cost page faults on first touch. The previous 'outer' factor's D Grams
    // (its 'shared' bias has had them: the block's contractions run in order) go back to the pool.
    if (cache.dg) giveScratch(...cache.dg);
    cache.dg = null;
    const hg = await gramOf(f1.h, f2.h, n1, n2, f1.hCols, f1.scale, takeScratch(n1 * n2));
    const dg = await gramOf(f1.d, f2.d, n1, n2, k * f1.dCols, 1, takeScratch(n1 * n2));
    cache.dg = [dg];
    // out += dg (1 hg + 0): the explicit route's fused C pass (same double arithmetic as a TypeScript loop).
    accumulateLayer(out, dg, hg, 1, 0, n1, n2, lower);
    giveScratch(hg);
    return;
  }
  const hg = await gramOf(f1.h, f2.h, n1, n2, f1.hCols, f1.scale);
  if (layout === 'full') {
    const dg = await gramOf(f1.d, f2.d, n1 * k, n2 * k, f1.dCols);
    cache.dg = [dg];
    const width = n2 * k;
    for (let i = 0; i < n1; i++)
      for (let a = 0; a < k; a++)
        for (let j = 0; j < cols(i, n2, lower); j++) {
          const h = hg[i * n2 + j];
          const o = (i * k + a) * width + j * k;
          for (let b = 0; b < k; b++) out[o + b] += h * dg[o + b];
        }
  } else {
    cache.dg = [];
    for (let a = 0; a < k; a++) {
      const r1 = outputRows(f1.d, n1, k, f1.dCols, a);
      const r2 = f2.d === f1.d ? r1 : outputRows(f2.d, n2, k, f2.dCols, a);
      const dg = await gramOf(r1, r2, n1, n2, f1.dCols);
      cache.dg.push(dg);
      for (let i = 0; i < n1; i++) for (let q = i * n2; q < i * n2 + cols(i, n2, lower); q++) out[q * k + a] += hg[q] * dg[q];
    }
  }
}

/** scale^2 (D D'^T) of a 'shared' factor from the Grams its 'outer' factor left in `cache`, added into `out`. */
function addShared(out: Float32Array, f1: Factor, f2: Factor, layout: OutputLayout, scale: number, cache: GramCache): void {
  const dgs = cache.dg;
  if (!dgs) throw new Error("contractFactors: a 'shared' factor must follow its 'outer' factor in the same block");
  const { k } = f1;
  const n1 = f1.n;
  const n2 = f2.n;
  const s2 = scale * scale;
  const lower = f1 === f2;
  if (layout === 'full') {
    const dg = dgs[0];
    const W = n2 * k;
    for (let r = 0; r < n1 * k; r++) {
      const end = cols(Math.floor(r / k), n2, lower) * k;
      for (let q = r * W; q < r * W + end; q++) out[q] += s2 * dg[q];
    }
  } else if (layout === 'trace') {
    accumulateLayer(out, null, dgs[0], s2, 0, n1, n2, lower);
  } else {
    dgs.forEach((dg, a) => {
      for (let i = 0; i < n1; i++) for (let q = i * n2; q < i * n2 + cols(i, n2, lower); q++) out[q * k + a] += s2 * dg[q];
    });
  }
}

/** Fills the pairs j > i of a symmetric block of n examples from the pairs (j, i) (after a `lower` contraction). */
export function mirrorLower(out: Float32Array, n: number, k: number, layout: OutputLayout): void {
  if (layout === 'full') {
    const W = n * k;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++)
        for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) out[(i * k + a) * W + j * k + b] = out[(j * k + b) * W + i * k + a];
  } else if (layout === 'trace' || k === 1) {
    mirrorSquare(out, n, 1);
  } else {
    const v = layout === 'diagonal' ? k : 1;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) for (let a = 0; a < v; a++) out[(i * n + j) * v + a] = out[(j * n + i) * v + a];
  }
}

/** Per-example gradients of output channels o0..o1 of a patch factor: [(n k), C (o1 - o0)]. */
export function patchGradients(f: PatchFactor, o0: number, o1: number): Float32Array {
  const { n, k, P, C, cout } = f;
  const ob = o1 - o0;
  const out = new Float32Array(n * k * C * ob);
  const patches = new Float32Array(P * C);
  const dsub = ob === cout ? null : new Float32Array(P * ob);
  for (let i = 0; i < n; i++) {
    f.im2col(f.h, i * f.inSize, patches);
    for (let a = 0; a < k; a++) {
      const r = i * k + a;
      let d = f.d.subarray(r * P * cout, (r + 1) * P * cout);
      if (dsub) {
        for (let p = 0; p < P; p++) dsub.set(d.subarray(p * cout + o0, p * cout + o1), p * ob);
        d = dsub;
      }
      // G_i^a = patches^T d: [C, ob], the gradient of the kernel rows (ky, kx, cin) x output channels.
      const g = matmul(m(P, C, patches), m(P, ob, d), { transA: true, checkFinite: false });
      out.set(g.data, r * C * ob);
    }
  }
  return out;
}

/** Values of one patch (or delta) Gram of a sub-block of examples (1 MB): the sub-blocks' working set stays in cache. */
const GRAM_VALUES = 1 << 18;

/** Patches of examples i0..i1 of a patch factor, [(i1 - i0) P, C], into buf. */
function patchRows(f: PatchFactor, i0: number, i1: number, buf: Float32Array): Float32Array {
  const len = f.P * f.C;
  for (let i = i0; i < i1; i++) f.im2col(f.h, i * f.inSize, buf.subarray((i - i0) * len, (i - i0 + 1) * len));
  return buf.subarray(0, (i1 - i0) * len);
}

/**
 * Deltas of examples i0..i1 with rows (example, position): output a alone, [(i1 - i0) P, cout], or (a = -1) the
 * k outputs side by side, [(i1 - i0) P, k cout] (their Gram sums over a: the 'trace' layout). For k = 1 a view.
 */
function deltaRows(f: PatchFactor, i0: number, i1: number, a: number, buf: Float32Array): Float32Array {
  const { k, P, cout, d } = f;
  if (k === 1) return d.subarray(i0 * P * cout, i1 * P * cout);
  const width = a < 0 ? k * cout : cout;
  for (let i = i0; i < i1; i++)
    for (let b = a < 0 ? 0 : a; b < (a < 0 ? k : a + 1); b++)
      for (let p = 0; p < P; p++) {
        const src = ((i * k + b) * P + p) * cout;
        buf.set(d.subarray(src, src + cout), ((i - i0) * P + p) * width + (a < 0 ? b * cout : 0));
      }
  return buf.subarray(0, (i1 - i0) * P * width);
}

/** X Y^T of row blocks [ra, c] and [rb, c] into out (SYRK when X === Y). */
function gramInto(x: Float32Array, y: Float32Array, ra: number, rb: number, c: number, out: Float32Array): Float32Array {
  const o = m(ra, rb, out.subarray(0, ra * rb));
  if (x === y) return gram(m(ra, c, x), { checkFinite: false, out: o }).data;
  return matmul(m(ra, c, x), m(rb, c, y), { transB: true, checkFinite: false, out: o }).data;
}

/**
 * Over the P x P blocks (ii, jj) of two [ni P, nj P] Grams: s[ii nj + jj] = sum of PG o DG, t[ii nj + jj] = sum of DG.
 * A small function of its own, row by row, so that V8 keeps it optimised (inlined in the caller's loops it ran 4-5x slower: 61-80 ms against 14 ms).
 */
function blockSums(PG: Float32Array, DG: Float32Array, ni: number, nj: number, P: number, s: Float64Array, t: Float64Array): void {
  const W = nj * P;
  s.fill(0, 0, ni * nj);
  t.fill(0, 0, ni * nj);
  for (let r = 0; r < ni * P; r++) {
    const o = ((r / P) | 0) * nj;
    const base = r * W;
    for (let jj = 0; jj < nj; jj++) {
      let a = 0;
      let c = 0;
      const q0 = base + jj * P;
      for (let q = q0; q < q0 + P; q++) {
        const g = DG[q];
        a += PG[q] * g;
        c += g;
      }
      s[o + jj] += a;
      t[o + jj] += c;
    }
  }
}

/**
 * The structured route of a patch factor: scale sum_{p,q} (patch_i(p) . patch_j(q)) (d_i^a(p) . d_j^b(q)) for every
 * pair, from a patch Gram and a delta Gram per sub-block of examples (never a per-example gradient), added into
 * `out`; the delta Grams' sums over (p, q), the bias's kernel before its scale^2, are left in `cache`.
 */
function addStructured(out: Float32Array, f1: PatchFactor, f2: PatchFactor, layout: OutputLayout, cache: GramCache): void {
  const { k, P, C, cout } = f1;
  const n1 = f1.n;
  const n2 = f2.n;
  const lower = f1 === f2;
  const full = layout === 'full';
  const b = Math.max(1, Math.floor(Math.sqrt(GRAM_VALUES) / (P * (full ? k : 1))));
  const sums = full ? [new Float32Array(n1 * k * n2 * k)] : Array.from({ length: layout === 'diagonal' ? k : 1 }, () => new Float32Array(n1 * n2));
  cache.dg = sums;
  const bufA = new Float32Array(b * P * C);
  const bufB = new Float32Array(b * P * C);
  const dWidth = layout === 'trace' ? k * cout : cout;
  const bufDA = new Float32Array(b * P * dWidth);
  const bufDB = new Float32Array(b * P * dWidth);
  const pg = new Float32Array(b * b * P * P);
  const dg = new Float32Array(b * b * P * P * (full ? k * k : 1));
  const scale = f1.scale;
  const bs = new Float64Array(b * b);
  const bt = new Float64Array(b * b);
  for (let i0 = 0; i0 < n1; i0 += b) {
    const i1 = Math.min(n1, i0 + b);
    const ni = i1 - i0;
    const A = patchRows(f1, i0, i1, bufA);
    for (let j0 = 0; j0 < (lower ? i1 : n2); j0 += b) {
      const j1 = Math.min(n2, j0 + b);
      const nj = j1 - j0;
      const diag = lower && j0 === i0;
      const B = diag ? A : patchRows(f2, j0, j1, bufB);
      const PG = profiled('structured:patch-gram', () => gramInto(A, B, ni * P, nj * P, C, pg));
      const Wp = nj * P;
      if (full) {
        const DA = f1.d.subarray(i0 * k * P * cout, i1 * k * P * cout);
        const DG = gramInto(DA, diag ? DA : f2.d.subarray(j0 * k * P * cout, j1 * k * P * cout), ni * k * P, nj * k * P, cout, dg);
        const Wd = nj * k * P;
        const W = n2 * k;
        for (let ii = 0; ii < ni; ii++)
          for (let jj = 0; jj < (diag ? ii + 1 : nj); jj++)
            for (let a = 0; a < k; a++)
              for (let c = 0; c < k; c++) {
                let s = 0;
                let t = 0;
                for (let p = 0; p < P; p++) {
                  const pr = (ii * P + p) * Wp + jj * P;
                  const dr = ((ii * k + a) * P + p) * Wd + (jj * k + c) * P;
                  for (let q = 0; q < P; q++) {
                    const g = DG[dr + q];
                    s += PG[pr + q] * g;
                    t += g;
                  }
                }
                const o = ((i0 + ii) * k + a) * W + (j0 + jj) * k + c;
                out[o] += scale * s;
                sums[0][o] += t;
              }
        continue;
      }
      const outputs = layout === 'trace' ? [-1] : Array.from({ length: k }, (_, a) => a);
      for (const a of outputs) {
        const DA = deltaRows(f1, i0, i1, a, bufDA);
        const DB = diag ? DA : deltaRows(f2, j0, j1, a, bufDB);
        const DG = profiled('structured:delta-gram', () => gramInto(DA, DB, ni * P, nj * P, dWidth, dg));
        const t0 = performance.now();
        const v = a < 0 ? 1 : k;
        const acc = sums[a < 0 ? 0 : a];
        blockSums(PG, DG, ni, nj, P, bs, bt);
        for (let ii = 0; ii < ni; ii++)
          for (let jj = 0; jj < (diag ? ii + 1 : nj); jj++) {
            const q = (i0 + ii) * n2 + j0 + jj;
            out[q * v + (a < 0 ? 0 : a)] += scale * bs[ii * nj + jj];
            acc[q] += bt[ii * nj + jj];
          }
        addTime('structured:products', (performance.now() - t0) / 1000);
      }
    }
  }
}

/**
 * The block J_1 J_2^T of one parameter tensor for the two factors' examples, by layout: [n1, n2] ('trace'),
 * [(n1 k), (n2 k)] ('full'), [n1, n2, k] ('diagonal'), added into `out` (default: a fresh array). When `f1 === f2`
 * (a diagonal block of a symmetric kernel) only the pairs j <= i are written: call mirrorLower afterwards.
 * `workValues` bounds the float32 values of per-example gradients formed at once (patch factors).
 */
export async function contractFactors(
  f1: Factor,
  f2: Factor,
  layout: OutputLayout,
  workValues: number,
  out?: Float32Array,
  cache: GramCache = { dg: null },
): Promise<Float32Array> {
  const k = f1.k;
  const size = f1.n * f2.n * (layout === 'full' ? k * k : layout === 'diagonal' ? k : 1);
  const acc = out ?? new Float32Array(size);
  if (acc.length !== size) throw new Error(`contractFactors: out has ${acc.length} values, the block needs ${size}`);
  if (f1.kind === 'outer' && f2.kind === 'outer') {
    await addOuter(acc, f1, f2, layout, cache);
  } else if (f1.kind === 'shared' && f2.kind === 'shared') {
    addShared(acc, f1, f2, layout, f1.scale, cache);
  } else if (f1.kind === 'rows' && f2.kind === 'rows') {
    await addRows(acc, f1.g, f2.g, f1.n, f2.n, k, f1.cols, layout, 1);
  } else if (f1.kind === 'patch' && f2.kind === 'patch' && f1.route === 'structured') {
    addStructured(acc, f1, f2, layout, cache);
  } else if (f1.kind === 'patch' && f2.kind === 'patch') {
    const same = f1 === f2;
    const perChannel = (f1.n + (same ? 0 : f2.n)) * k * f1.C;
    const ob = Math.max(1, Math.min(f1.cout, Math.floor(workValues / perChannel)));
    for (let o0 = 0; o0 < f1.cout; o0 += ob) {
      const o1 = Math.min(f1.cout, o0 + ob);
      const g1 = patchGradients(f1, o0, o1);
      const g2 = same ? g1 : patchGradients(f2, o0, o1);
      await addRows(acc, g1, g2, f1.n, f2.n, k, f1.C * (o1 - o0), layout, f1.scale);
    }
  } else {
    throw new Error(`contractFactors: factor kinds differ (${f1.kind} vs ${f2.kind})`);
  }
  return acc;
}
