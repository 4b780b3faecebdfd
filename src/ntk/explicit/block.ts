/**
 * One block (rows r0..r1 of x1, columns c0..c1 of x2) of the explicit NTK and of its layer components,
 * contracted from the layers' features by Gram products (SYRK on diagonal blocks of a symmetric kernel,
 * where only the lower triangle is combined and the result mirrored once at the end).
 */
import { Matrix, gramAsync, matmulAsync } from '../../linalg';
import { OutputLayout } from '../kernel';
import { LayerFeatures } from './features';
import { ExplicitNetwork } from './network';
import { accumulateLayer, mirrorLower } from './elementwise';
import { giveScratch, takeScratch } from './scratch';

/** A half-open range [start, end) of examples. */
export interface Range {
  start: number;
  end: number;
}

/** The values of one block: the total and, when asked, one array per parameter tensor (same layout). */
export interface BlockValues {
  total: Float32Array;
  components: Float32Array[] | null;
}

function rowsOf(m: Matrix<Float32Array>, start: number, end: number): Matrix<Float32Array> {
  return { rows: end - start, cols: m.cols, data: m.data.subarray(start * m.cols, end * m.cols) };
}

/** A Gram block A[rows] A'[cols]^T into `out`; SYRK when both sides are the same rows of the same matrix. */
async function product(a: Matrix<Float32Array>, b: Matrix<Float32Array>, rows: Range, cols: Range, diagonal: boolean, out: Float32Array): Promise<Float32Array> {
  const ra = rowsOf(a, rows.start, rows.end);
  const o = { rows: ra.rows, cols: cols.end - cols.start, data: out.subarray(0, ra.rows * (cols.end - cols.start)) };
  if (diagonal) return (await gramAsync(ra, { out: o, checkFinite: false })).data;
  return (await matmulAsync(ra, rowsOf(b, cols.start, cols.end), { transB: true, out: o, checkFinite: false })).data;
}

/** Number of float32 values in a block of nb1 x nb2 examples for k outputs in `layout`. */
export function blockSize(nb1: number, nb2: number, k: number, layout: OutputLayout): number {
  return nb1 * nb2 * (layout === 'full' ? k * k : layout === 'diagonal' ? k : 1);
}

function ones(buf: Float32Array, length: number): Float32Array {
  return buf.subarray(0, length).fill(1);
}

/** The deltas' Gram of a linear output layer in the 'full' layout: delta_ab for every example pair. */
function identityBlocks(buf: Float32Array, nb1: number, nb2: number, k: number): Float32Array {
  const out = buf.subarray(0, nb1 * k * nb2 * k).fill(0);
  for (let i = 0; i < nb1; i++) for (let a = 0; a < k; a++) for (let j = 0; j < nb2; j++) out[(i * k + a) * nb2 * k + j * k + a] = 1;
  return out;
}

/**
 * Computes the block for examples `rows` x `cols`. `f2` is `f1` for a symmetric kernel.
 * Per layer l: weight component m_l^2 (D_l D_l'^T) o (H_{l-1} H_{l-1}'^T), bias component bm_l^2 (D_l D_l'^T),
 * where for k > 1 the output pairs (a, b) are placed by `layout`.
 */
export async function explicitBlock(
  net: ExplicitNetwork,
  f1: LayerFeatures[],
  f2: LayerFeatures[],
  rows: Range,
  cols: Range,
  layout: OutputLayout,
  withComponents: boolean,
  onLayer?: () => void,
): Promise<BlockValues> {
  // A diagonal block of a symmetric kernel is itself symmetric: combine its lower triangle only.
  const diagonal = f1 === f2 && rows.start === cols.start && rows.end === cols.end;
  const L = net.layers.length;
  const k = net.layers[L - 1].outDim;
  const nb1 = rows.end - rows.start;
  const nb2 = cols.end - cols.start;
  const size = blockSize(nb1, nb2, k, layout);
  const total = new Float32Array(size);
  const components: Float32Array[] | null = withComponents ? [] : null;
  const hgBuf = takeScratch(nb1 * nb2);
  const dgBuf = takeScratch(layout === 'full' ? size : nb1 * nb2);
  try {
    for (let l = 0; l < L; l++) {
      const spec = net.layers[l];
      const hg = await product(f1[l].h, f2[l].h, rows, cols, diagonal, hgBuf);
      const m2 = spec.weightMultiplier * spec.weightMultiplier;
      const bm2 = spec.bias ? spec.biasMultiplier * spec.biasMultiplier : 0;
      const wComp = components ? new Float32Array(size) : null;
      const bComp = components && spec.bias ? new Float32Array(size) : null;

      if (layout === 'diagonal') {
        const per1 = f1[l].dPerOutput!;
        const per2 = f2[l].dPerOutput!;
        for (let a = 0; a < k; a++) {
          const dg = f1[l].unitDeltas ? ones(dgBuf, nb1 * nb2) : await product(per1[a], per2[a], rows, cols, diagonal, dgBuf);
          for (let i = 0; i < nb1; i++) {
            const jEnd = diagonal ? i + 1 : nb2;
            for (let j = 0; j < jEnd; j++) {
              const p = i * nb2 + j;
              const o = p * k + a;
              const d = dg[p];
              const w = m2 * d * hg[p];
              const bv = bm2 * d;
              total[o] += w + bv;
              if (wComp) wComp[o] = w;
              if (bComp) bComp[o] = bv;
            }
          }
        }
      } else if (layout === 'trace') {
        // Viewed as n x (k outDim), the deltas' Gram sums delta^a . delta'^a over outputs a.
        const view1 = { rows: f1[l].h.rows, cols: k * spec.outDim, data: f1[l].d.data };
        const view2 = f1 === f2 ? view1 : { rows: f2[l].h.rows, cols: k * spec.outDim, data: f2[l].d.data };
        if (f1[l].unitDeltas) {
          // Linear output layer: sum_a e_a . e_a = k, so the weight term is k m^2 H H'^T and the bias term k bm^2.
          if (!wComp) {
            accumulateLayer(total, null, hg, k * m2, k * bm2, nb1, nb2, diagonal);
            onLayer?.();
            continue;
          }
          for (let i = 0; i < nb1; i++) {
            const jEnd = diagonal ? i + 1 : nb2;
            for (let p = i * nb2; p < i * nb2 + jEnd; p++) {
              const w = k * m2 * hg[p];
              total[p] += w + k * bm2;
              if (wComp) wComp[p] = w;
              if (bComp) bComp[p] = k * bm2;
            }
          }
          if (components) {
            components.push(wComp!);
            if (bComp) components.push(bComp);
          }
          onLayer?.();
          continue;
        }
        const dg = await product(view1, view2, rows, cols, diagonal, dgBuf);
        if (!wComp) {
          // The hot loop of the plain NTK: one fused pass per layer.
          accumulateLayer(total, dg, hg, m2, bm2, nb1, nb2, diagonal);
          onLayer?.();
          continue;
        }
        for (let i = 0; i < nb1; i++) {
          const jEnd = diagonal ? i + 1 : nb2;
          const row = i * nb2;
          for (let p = row; p < row + jEnd; p++) {
            const w = m2 * dg[p] * hg[p];
            const bv = bm2 * dg[p];
            total[p] += w + bv;
            wComp[p] = w;
            if (bComp) bComp[p] = bv;
          }
        }
      } else {
        const dg = f1[l].unitDeltas
          ? identityBlocks(dgBuf, nb1, nb2, k)
          : await product(f1[l].d, f2[l].d, { start: rows.start * k, end: rows.end * k }, { start: cols.start * k, end: cols.end * k }, diagonal, dgBuf);
        const width = nb2 * k;
        for (let i = 0; i < nb1; i++) {
          for (let a = 0; a < k; a++) {
            const r = i * k + a;
            const orow = r * width;
            const jEnd = diagonal ? i + 1 : nb2;
            for (let j = 0; j < jEnd; j++) {
              const h = m2 * hg[i * nb2 + j];
              const bEnd = diagonal && j === i ? a + 1 : k;
              for (let b = 0; b < bEnd; b++) {
                const o = orow + j * k + b;
                const w = dg[o] * h;
                const bv = bm2 * dg[o];
                total[o] += w + bv;
                if (wComp) wComp[o] = w;
                if (bComp) bComp[o] = bv;
              }
            }
          }
        }
      }
      if (components) {
        components.push(wComp!);
        if (bComp) components.push(bComp);
      }
      onLayer?.();
    }
  } finally {
    giveScratch(hgBuf, dgBuf);
  }
  if (diagonal) {
    const [R, s] = layout === 'full' ? [nb1 * k, 1] : layout === 'diagonal' ? [nb1, k] : [nb1, 1];
    for (const x of [total, ...(components ?? [])]) mirrorLower(x, R, s);
  }
  return { total, components };
}
