/** One-step sweep rows accumulated from 'one-step-sweep' batches, as plain columns for the figures. */
import type { DecodedBatch } from '../arrow/decode';
import { emptySweepRows, fixedSizesOf, SweepFixedSizes, SweepRows } from '../builders/sweep';

/** Appends the columns the figures read. */
export class SweepData {
  readonly rows: SweepRows = emptySweepRows();
  /** n and d of the run, from the first batch's metadata (every batch of a run carries the same). */
  fixed: SweepFixedSizes = {};

  /** Appends a batch. */
  add(b: DecodedBatch<'one-step-sweep'>): void {
    if (this.count === 0) this.fixed = fixedSizesOf(b.metadata);
    for (const key of Object.keys(this.rows) as (keyof SweepRows)[]) {
      const from = b.columns[key] as ArrayLike<number | string>;
      const to = this.rows[key] as (number | string)[];
      for (let i = 0; i < b.rows; i++) to.push(from[i]);
    }
  }

  /** Rows received. */
  get count(): number {
    return this.rows.eta.length;
  }
}
