/**
 * One block (rows r0..r1 of x1, columns c0..c1 of x2) of the explicit NTK and of its layer components,
 * contracted from the layers' features by Gram products (SYRK on diagonal blocks of a symmetric kernel).
 */
import { Matrix, gramAsync, matmulAsync } from '../../linalg';
import { OutputLayout } from '../kernel';
import { LayerFeatures } from './features';
import { ExplicitNetwork } from './network';

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

/** A Gram block A[rows] A'[cols]^T; SYRK when both sides are the same rows of the same matrix. */
function product(a: Matrix<Float32Array>, b: Matrix<Float32Array>, rows: Range, cols: Range, same: boolean): Promise<Matrix<Float32Array>> {
  const ra = rowsOf(a, rows.start, rows.end);
  if (same && rows.start === cols.start && rows.end === cols.end) return gramAsync(ra);
  return matmulAsync(ra, rowsOf(b, cols.start, cols.end), { transB: true });
}

/** Number of float32 values in a block of nb1 x nb2 examples for k outputs in `layout`. */
export function blockSize(nb1: number, nb2: number, k: number, layout: OutputLayout): number {
  return nb1 * nb2 * (layout === 'full' ? k * k : layout === 'diagonal' ? k : 1);
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
  const same = f1 === f2;
  const L = net.layers.length;
  const k = net.layers[L - 1].outDim;
  const nb1 = rows.end - rows.start;
  const nb2 = cols.end - cols.start;
  const size = blockSize(nb1, nb2, k, layout);
  const total = new Float32Array(size);
  const components: Float32Array[] | null = withComponents ? [] : null;

  for (let l = 0; l < L; l++) {
    const spec = net.layers[l];
    const hg = (await product(f1[l].h, f2[l].h, rows, cols, same)).data;
    const m2 = spec.weightMultiplier * spec.weightMultiplier;
    const bm2 = spec.bias ? spec.biasMultiplier * spec.biasMultiplier : 0;
    const wComp = components ? new Float32Array(size) : null;
    const bComp = components && spec.bias ? new Float32Array(size) : null;

    if (layout === 'diagonal') {
      const per = f1[l].dPerOutput!;
      const per2 = f2[l].dPerOutput!;
      for (let a = 0; a < k; a++) {
        const dg = (await product(per[a], per2[a], rows, cols, same)).data;
        for (let p = 0; p < nb1 * nb2; p++) {
          const o = p * k + a;
          const w = m2 * dg[p] * hg[p];
          const bv = bm2 * dg[p];
          total[o] += w + bv;
          if (wComp) wComp[o] = w;
          if (bComp) bComp[o] = bv;
        }
      }
    } else if (layout === 'trace') {
      // Viewed as n x (k outDim), the deltas' Gram sums delta^a . delta'^a over outputs a.
      const view1 = { rows: f1[l].h.rows, cols: k * spec.outDim, data: f1[l].d.data };
      const view2 = same ? view1 : { rows: f2[l].h.rows, cols: k * spec.outDim, data: f2[l].d.data };
      const dg = (await product(view1, view2, rows, cols, same)).data;
      for (let p = 0; p < size; p++) {
        const w = m2 * dg[p] * hg[p];
        const bv = bm2 * dg[p];
        total[p] += w + bv;
        if (wComp) wComp[p] = w;
        if (bComp) bComp[p] = bv;
      }
    } else {
      const dg = (await product(f1[l].d, f2[l].d, { start: rows.start * k, end: rows.end * k }, { start: cols.start * k, end: cols.end * k }, same)).data;
      const width = nb2 * k;
      for (let i = 0; i < nb1; i++) {
        for (let a = 0; a < k; a++) {
          const orow = (i * k + a) * width;
          for (let j = 0; j < nb2; j++) {
            const h = m2 * hg[i * nb2 + j];
            for (let b = 0; b < k; b++) {
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
  return { total, components };
}
