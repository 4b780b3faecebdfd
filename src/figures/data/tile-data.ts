/**
 * Kernels reassembled from 'kernel-tiles' batches: each tile is copied into its kernel's 2-D view
 * ([shape[0], product(shape[1:])], row-major) as it arrives, so a heatmap can show the rows received
 * so far; cells not yet received are NaN (Plotly leaves them blank).
 */
import type { DecodedBatch } from '../arrow/decode';
import { WidgetDataError } from '../arrow/errors';

/** One kernel being filled. */
export interface TiledKernel {
  label: string;
  kind: string;
  rows: number;
  cols: number;
  values: Float32Array;
  /** Cells received. */
  filled: number;
}

/** Kernels by label, in arrival order. */
export class TileData {
  private readonly kernels = new Map<string, TiledKernel>();
  /** Largest kernel accepted (cells); a tile naming a bigger one is refused instead of allocating it. */
  constructor(private readonly maxCells = 64e6) {}

  /** Copies a batch's tiles into their kernels; throws WidgetDataError for a tile outside its kernel. */
  add(b: DecodedBatch<'kernel-tiles'>): void {
    const c = b.columns;
    for (let i = 0; i < b.rows; i++) {
      const shape = c.shape[i];
      if (shape.length < 2) throw new WidgetDataError(`tile ${i} of '${c.label[i]}': shape [${shape.join(', ')}] is not 2-D or more`);
      const rows = shape[0];
      const cols = shape.slice(1).reduce((p, v) => p * v, 1);
      if (!(rows > 0 && cols > 0) || rows * cols > this.maxCells) throw new WidgetDataError(`kernel '${c.label[i]}' of shape [${shape.join(', ')}] is empty or too large to show`);
      let k = this.kernels.get(c.label[i]);
      if (!k) {
        k = { label: c.label[i], kind: c.kernel_kind[i], rows, cols, values: new Float32Array(rows * cols).fill(NaN), filled: 0 };
        this.kernels.set(k.label, k);
      } else if (k.rows !== rows || k.cols !== cols) {
        throw new WidgetDataError(`tile ${i} of '${k.label}' says shape [${shape.join(', ')}], earlier tiles said [${k.rows}, ${k.cols}]`);
      }
      const r0 = c.row_start[i];
      const r1 = c.row_end[i];
      const c0 = c.col_start[i];
      const c1 = c.col_end[i];
      const v = c.values[i];
      if (!(0 <= r0 && r0 < r1 && r1 <= rows && 0 <= c0 && c0 < c1 && c1 <= cols)) {
        throw new WidgetDataError(`tile ${i} of '${k.label}': rows [${r0}, ${r1}) x cols [${c0}, ${c1}) leave the ${rows} x ${cols} kernel`);
      }
      const w = c1 - c0;
      if (v.length !== (r1 - r0) * w) throw new WidgetDataError(`tile ${i} of '${k.label}' has ${v.length} values for ${(r1 - r0) * w} cells`);
      for (let r = r0; r < r1; r++) k.values.set(v.subarray((r - r0) * w, (r - r0 + 1) * w), r * cols + c0);
      k.filled += v.length;
    }
  }

  /** The kernel `label`, or the first one when label is null or unknown. */
  get(label: string | null): TiledKernel | undefined {
    return (label !== null ? this.kernels.get(label) : undefined) ?? this.kernels.values().next().value;
  }

  /** Labels in arrival order. */
  labels(): string[] {
    return [...this.kernels.keys()];
  }
}
