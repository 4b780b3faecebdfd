/**
 * What one stored tile adds to a pass: Y += B V (and Y += B^T V for the mirrored half of a symmetric kernel), or
 * its share of the exact statistics (diagonal, sum of squares). Float32 blocks are promoted to float64 a few
 * hundred rows at a time (a bounded scratch, never a float64 copy of the tile) and multiplied by float64 GEMM, so
 * every product and sum is float64 while the store stays float32.
 */
import { matmul, type Matrix } from '../linalg';
import type { ViewBlock } from './tile-block';

/** Rows of a block promoted to float64 at a time: 256 x 4096 x 8 bytes = 8 MiB of scratch at most. */
const CHUNK_ROWS = 256;

/** Reusable buffers of one accumulating thread. */
export interface Scratch {
  rows: Float64Array;
  out: Float64Array;
}

export function newScratch(): Scratch {
  return { rows: new Float64Array(0), out: new Float64Array(0) };
}

function grow(a: Float64Array, size: number): Float64Array {
  return a.length >= size ? a : new Float64Array(Math.max(size, Math.ceil(a.length * 1.5)));
}

/**
 * y (n1 x b) += B v[cols] for block `blk` of the 2-D view; with `mirrored`, also y[cols] += B^T v[rows] (the block
 * below the diagonal of a symmetric kernel). `v` has the view's column count rows (n2 x b), row-major.
 */
export function accumulateProduct(blk: ViewBlock, mirrored: boolean, v: Float64Array, y: Float64Array, b: number, s: Scratch): void {
  const width = blk.colEnd - blk.colStart;
  const vCols: Matrix<Float64Array> = { rows: width, cols: b, data: v.subarray(blk.colStart * b, blk.colEnd * b) };
  for (let r0 = blk.rowStart; r0 < blk.rowEnd; r0 += CHUNK_ROWS) {
    const h = Math.min(CHUNK_ROWS, blk.rowEnd - r0);
    s.rows = grow(s.rows, h * width);
    const rows = s.rows.subarray(0, h * width);
    const base = (r0 - blk.rowStart) * width;
    rows.set(blk.values.subarray(base, base + h * width)); // float32 -> float64 in native code
    const a: Matrix<Float64Array> = { rows: h, cols: width, data: rows };
    s.out = grow(s.out, Math.max(h, width) * b);
    const top = matmul(a, vCols, { checkFinite: false, out: { rows: h, cols: b, data: s.out.subarray(0, h * b) } });
    const yr = y.subarray(r0 * b, (r0 + h) * b);
    for (let i = 0; i < h * b; i++) yr[i] += top.data[i];
    if (mirrored) {
      const vRows: Matrix<Float64Array> = { rows: h, cols: b, data: v.subarray(r0 * b, (r0 + h) * b) };
      const low = matmul(a, vRows, { transA: true, checkFinite: false, out: { rows: width, cols: b, data: s.out.subarray(0, width * b) } });
      const yc = y.subarray(blk.colStart * b, blk.colEnd * b);
      for (let i = 0; i < width * b; i++) yc[i] += low.data[i];
    }
  }
}

/** Partial sums of the exact statistics, over the tiles one thread read. */
export interface StatsPartial {
  /** Sum of squares of every entry of K (a mirrored tile counts twice). */
  sumSquares: number;
  /** Sum of every entry (1^T K 1). */
  sum: number;
  /** Largest |entry|. */
  maxAbs: number;
  /** K's diagonal entries (NaN where no tile read them yet); length = the view's row count. */
  diagonal: Float64Array;
}

/** Adds block `blk` to the statistics (float64 sums). */
export function accumulateStats(blk: ViewBlock, mirrored: boolean, acc: StatsPartial): void {
  const width = blk.colEnd - blk.colStart;
  const w = mirrored ? 2 : 1;
  let sq = 0;
  let sum = 0;
  let max = acc.maxAbs;
  const vals = blk.values;
  for (let i = 0; i < vals.length; i++) {
    const x = vals[i];
    sq += x * x;
    sum += x;
    const ax = x < 0 ? -x : x;
    if (ax > max) max = ax;
  }
  acc.sumSquares += w * sq;
  acc.sum += w * sum;
  acc.maxAbs = max;
  // Diagonal entries of K lie where a view row equals a view column.
  const lo = Math.max(blk.rowStart, blk.colStart);
  const hi = Math.min(blk.rowEnd, blk.colEnd);
  for (let r = lo; r < hi; r++) acc.diagonal[r] = vals[(r - blk.rowStart) * width + (r - blk.colStart)];
}
