/**
 * Result kind 'kernel-tiles': one row per rectangular tile of a kernel's 2-D view. Each row repeats the
 * kernel's descriptor, so a tile is self-describing: a stream can start before the kernel's list is known,
 * and pandas users can filter tiles by label without a side table.
 */
import { Bool, Field, Float32, Float64, Int32, List, RecordBatch, Utf8 } from 'apache-arrow';
import type { KernelKind, OutputLayout } from '../../ntk/kernel';
import { ShapeError } from '../../errors';
import { batchOf, boolColumn, f32ListColumn, f64Column, i32Column, i32ListColumn, itemField, utf8Column } from '../columns';

/** Column types of a kernel-tiles table. */
export type KernelTileColumns = {
  kernel: Int32;
  label: Utf8;
  kernel_kind: Utf8;
  layout: Utf8;
  outputs: Int32;
  shape: List<Int32>;
  symmetric: Bool;
  backend: Utf8;
  wall_time_ms: Float64;
  normalization: Utf8;
  row_start: Int32;
  row_end: Int32;
  col_start: Int32;
  col_end: Int32;
  values: List<Float32>;
};

/** The columns, in order (see docs/arrow-schemas.md for units and meaning). */
export const KERNEL_TILE_FIELDS: readonly Field[] = [
  new Field('kernel', new Int32(), false),
  new Field('label', new Utf8(), false),
  new Field('kernel_kind', new Utf8(), false),
  new Field('layout', new Utf8(), false),
  new Field('outputs', new Int32(), false),
  new Field('shape', new List(itemField(new Int32())), false),
  new Field('symmetric', new Bool(), false),
  new Field('backend', new Utf8(), false),
  new Field('wall_time_ms', new Float64(), false),
  new Field('normalization', new Utf8(), false),
  new Field('row_start', new Int32(), false),
  new Field('row_end', new Int32(), false),
  new Field('col_start', new Int32(), false),
  new Field('col_end', new Int32(), false),
  new Field('values', new List(itemField(new Float32())), false),
];

/** What a tile row says about its kernel: the fields of `Kernel` except the values (a Kernel is one). */
export interface KernelDescriptor {
  readonly label: string;
  readonly kind: KernelKind;
  readonly layout: OutputLayout;
  readonly outputs: number;
  /** The Kernel's shape: [n1, n2], [n1*k, n2*k] ('full') or [n1, n2, k] ('diagonal'). */
  readonly shape: readonly number[];
  readonly symmetric: boolean;
  readonly backend: string;
  /** Milliseconds spent on the kernel so far (a reader keeps the largest value over its tiles). */
  readonly wallTimeMs: number;
  readonly normalization?: string;
}

/** A tile of the 2-D view [shape[0], product(shape[1:])]: rows [rowStart, rowEnd) x cols [colStart, colEnd). */
export interface KernelTile {
  readonly rowStart: number;
  readonly rowEnd: number;
  readonly colStart: number;
  readonly colEnd: number;
  /** Row-major float32 values, length (rowEnd - rowStart) * (colEnd - colStart). */
  readonly values: Float32Array;
}

/** Rows and columns of a kernel's 2-D view, which tile ranges index: [shape[0], product(shape[1:])]. */
export function kernelGrid(shape: readonly number[]): [number, number] {
  return [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
}

/** One batch holding `tiles` of kernel number `index` (copies the values only when there are several tiles). */
export function kernelTileBatch(index: number, kernel: KernelDescriptor, tiles: readonly KernelTile[]): RecordBatch<KernelTileColumns> {
  if (kernel.shape.length < 2 || kernel.shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`kernel '${kernel.label}': shape must have 2 or more non-negative integer dims, got [${kernel.shape.join(', ')}]`);
  }
  const [rows, cols] = kernelGrid(kernel.shape);
  const offsets = new Int32Array(tiles.length + 1);
  tiles.forEach((t, i) => {
    if (!(t.rowStart >= 0 && t.rowStart <= t.rowEnd && t.rowEnd <= rows && t.colStart >= 0 && t.colStart <= t.colEnd && t.colEnd <= cols)) {
      throw new ShapeError(
        `kernel '${kernel.label}' tile ${i}: rows [${t.rowStart}, ${t.rowEnd}) x cols [${t.colStart}, ${t.colEnd}) is outside the ${rows} x ${cols} grid`,
      );
    }
    const size = (t.rowEnd - t.rowStart) * (t.colEnd - t.colStart);
    if (t.values.length !== size) {
      throw new ShapeError(`kernel '${kernel.label}' tile ${i}: values has length ${t.values.length}, the tile needs ${size}`);
    }
    // List offsets are int32: a batch holds fewer than 2^31 values (8 GiB), split larger ones.
    if (offsets[i] + size > 2147483647) throw new ShapeError(`kernel '${kernel.label}': a batch holds < 2^31 values; use smaller tiles`);
    offsets[i + 1] = offsets[i] + size;
  });
  let values: Float32Array;
  if (tiles.length === 1) values = tiles[0].values;
  else {
    values = new Float32Array(offsets[tiles.length]);
    tiles.forEach((t, i) => values.set(t.values, offsets[i]));
  }
  const n = tiles.length;
  const same = <V>(v: V): V[] => new Array<V>(n).fill(v);
  return batchOf<KernelTileColumns>(KERNEL_TILE_FIELDS, [
    i32Column(same(index), 'kernel'),
    utf8Column(same(kernel.label)),
    utf8Column(same(kernel.kind)),
    utf8Column(same(kernel.layout)),
    i32Column(same(kernel.outputs), 'outputs'),
    i32ListColumn(same(kernel.shape), 'shape'),
    boolColumn(same(kernel.symmetric)),
    utf8Column(same(kernel.backend)),
    f64Column(same(kernel.wallTimeMs)),
    utf8Column(same(kernel.normalization ?? '')),
    i32Column(tiles.map((t) => t.rowStart), 'row_start'),
    i32Column(tiles.map((t) => t.rowEnd), 'row_end'),
    i32Column(tiles.map((t) => t.colStart), 'col_start'),
    i32Column(tiles.map((t) => t.colEnd), 'col_end'),
    f32ListColumn(values, offsets),
  ]);
}
