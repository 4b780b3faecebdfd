/**
 * The KernelWidget's figure: a heatmap of one kernel (or layer component) with its rows and columns in
 * a chosen order (as computed, by label, by the top eigenvector, ... as permutations the kernel sent).
 * Kernels larger than `maxSide` per side are shown as block means, so the browser draws at most
 * maxSide^2 cells; the default 2048 keeps a 2000 x 2000 kernel at full resolution.
 */
import type { TiledKernel } from '../data/tile-data';
import type { Figure } from './types';

/** Controls of the figure. */
export interface HeatmapSettings {
  /** Permutation of the rows (and, for a square kernel, columns): position -> original index; null: as computed. */
  order: Int32Array | null;
  orderName: string;
  maxSide: number;
  colorscale: string;
  title?: string;
}

/** Checks that `p` is a permutation of 0..n-1; the message names what is wrong. */
export function checkPermutation(p: ArrayLike<number>, n: number): string | undefined {
  if (p.length !== n) return `ordering has ${p.length} entries for ${n} rows`;
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = p[i];
    if (!Number.isInteger(v) || v < 0 || v >= n || seen[v]) return `ordering is not a permutation of 0..${n - 1} (entry ${i} is ${v})`;
    seen[v] = 1;
  }
  return undefined;
}

/** The heatmap's rows (top row first, as a matrix is read), permuted and block-averaged. */
export function heatmapRows(k: TiledKernel, order: Int32Array | null, maxSide: number): { z: Float32Array[]; block: number } {
  const rowOrder = order && order.length === k.rows ? order : null;
  const colOrder = rowOrder && k.cols === k.rows ? rowOrder : null;
  const block = Math.max(1, Math.ceil(Math.max(k.rows, k.cols) / Math.max(1, maxSide)));
  const outRows = Math.ceil(k.rows / block);
  const outCols = Math.ceil(k.cols / block);
  const z: Float32Array[] = [];
  const src = k.values;
  if (block === 1) {
    for (let r = 0; r < k.rows; r++) {
      const from = (rowOrder ? rowOrder[r] : r) * k.cols;
      if (!colOrder) z.push(src.subarray(from, from + k.cols));
      else {
        const row = new Float32Array(k.cols);
        for (let c = 0; c < k.cols; c++) row[c] = src[from + colOrder[c]];
        z.push(row);
      }
    }
    return { z, block };
  }
  for (let R = 0; R < outRows; R++) {
    const sum = new Float64Array(outCols);
    const cnt = new Float64Array(outCols);
    for (let r = R * block; r < Math.min(k.rows, (R + 1) * block); r++) {
      const from = (rowOrder ? rowOrder[r] : r) * k.cols;
      for (let c = 0; c < k.cols; c++) {
        const v = src[from + (colOrder ? colOrder[c] : c)];
        if (Number.isNaN(v)) continue; // not received yet
        const C = (c / block) | 0;
        sum[C] += v;
        cnt[C]++;
      }
    }
    const row = new Float32Array(outCols);
    for (let C = 0; C < outCols; C++) row[C] = cnt[C] > 0 ? sum[C] / cnt[C] : NaN;
    z.push(row);
  }
  return { z, block };
}

/** Builds the figure for kernel `k` (undefined: an empty figure while nothing has arrived). */
export function heatmapFigure(k: TiledKernel | undefined, s: HeatmapSettings): Figure {
  if (!k) return { data: [], layout: { title: s.title ? { text: s.title } : undefined, uirevision: 'kernel' } };
  const { z, block } = heatmapRows(k, s.order, s.maxSide);
  const note = block > 1 ? `, ${block}x${block} block means` : '';
  return {
    data: [{ type: 'heatmap', name: k.label, z, colorscale: s.colorscale, zsmooth: false, colorbar: { title: { text: k.kind } }, hoverinfo: 'all' }],
    layout: {
      title: { text: `${s.title ? `${s.title}: ` : ''}${k.label} (${k.rows} x ${k.cols}, order: ${s.orderName}${note})` },
      xaxis: { title: { text: block > 1 ? `position / ${block}` : 'position' }, constrain: 'domain' },
      yaxis: { title: { text: block > 1 ? `position / ${block}` : 'position' }, autorange: 'reversed', scaleanchor: 'x', constrain: 'domain' },
      margin: { l: 60, r: 20, t: 40, b: 50 },
      uirevision: `kernel:${k.label}:${s.orderName}`,
    },
  };
}
