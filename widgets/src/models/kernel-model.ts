/**
 * KernelWidget's model: kernels reassembled from the 'tiles' stream, and the orderings the kernel
 * computed (state `orderings`: name -> int32 permutation bytes, sent as binary buffers).
 */
import type { DecodedBatch } from '../../../src/figures/arrow/decode';
import type { WidgetKind } from '../../../src/figures/arrow/kinds';
import { TileData } from '../../../src/figures/data/tile-data';
import { StreamModel, toBytes } from './stream-model';

export class KernelModel extends StreamModel {
  data = new TileData();

  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      _model_name: 'KernelModel',
      _view_name: 'KernelView',
      label: null,
      ordering: 'index',
      orderings: {},
      max_side: 2048,
      colorscale: 'Viridis',
    };
  }

  /** The permutation `name` (position -> original index), or null for the order as computed. */
  ordering(name: string): Int32Array | null {
    const all = this.get('orderings') as Record<string, unknown> | null;
    const bytes = toBytes(all?.[name]);
    if (!bytes || bytes.byteLength % 4 !== 0) return null;
    // Copy: the comm buffer need not be 4-byte aligned.
    return new Int32Array(bytes.slice().buffer);
  }

  /** Names of the orderings offered, 'index' first. */
  orderingNames(): string[] {
    const all = this.get('orderings') as Record<string, unknown> | null;
    return ['index', ...Object.keys(all ?? {}).filter((k) => k !== 'index')];
  }

  protected streamKinds(): Record<string, WidgetKind> {
    return { tiles: 'kernel-tiles' };
  }

  protected resetData(): void {
    this.data = new TileData();
  }

  protected ingest(_stream: string, batches: DecodedBatch[]): void {
    for (const b of batches) this.data.add(b as DecodedBatch<'kernel-tiles'>);
  }
}
