/**
 * Kernels <-> kernel-tiles batches. Writing cuts a Kernel into bands of whole rows, which are contiguous
 * in its row-major values, so a batch views the kernel's memory without a copy. Reading accepts any
 * tiling that covers each kernel exactly once (tiles from a blocked computation, from pyarrow, ...).
 */
import { Bool, Float32, Int32, List, RecordBatch, Table, Utf8, Vector } from 'apache-arrow';
import { ArrowFormatError, InvalidOptionError } from '../errors';
import { Kernel, KernelKind, OutputLayout } from '../ntk/kernel';
import { KernelDescriptor, kernelGrid, kernelTileBatch, KernelTileColumns } from './kinds/kernel-tiles';
import { META, RunMeta } from './metadata';
import { resultSchema } from './schemas';
import { ResultStream, ResultStreamOptions } from './stream';

/** How to cut kernels into tiles. */
export interface KernelTileOptions {
  /** Rows per tile (tiles span all columns); default: as many rows as fit 2^20 values (4 MiB). */
  tileRows?: number;
}

/** Options of kernelStream / writeKernels. */
export interface KernelStreamOptions extends KernelTileOptions, ResultStreamOptions {}

const DEFAULT_TILE_VALUES = 1 << 20;
const KERNEL_KINDS: readonly KernelKind[] = ['ntk', 'ck', 'ntk-component'];
const LAYOUTS: readonly OutputLayout[] = ['trace', 'full', 'diagonal'];

/** The batches of kernel number `index`: one per band of `tileRows` rows of its 2-D view, viewing its values. */
export function* kernelTileBatches(kernel: Kernel, index: number, options: KernelTileOptions = {}): Generator<RecordBatch<KernelTileColumns>> {
  const [rows, cols] = kernelGrid(kernel.shape);
  const band = options.tileRows ?? Math.max(1, Math.floor(DEFAULT_TILE_VALUES / Math.max(1, cols)));
  if (!Number.isInteger(band) || band < 1) throw new InvalidOptionError(`tileRows must be a positive integer, got ${options.tileRows}`);
  // An empty kernel still gets one (empty) tile, so that reading back finds it.
  if (rows === 0 || cols === 0) {
    yield kernelTileBatch(index, kernel, [{ rowStart: 0, rowEnd: rows, colStart: 0, colEnd: cols, values: new Float32Array(0) }]);
    return;
  }
  for (let r = 0; r < rows; r += band) {
    const end = Math.min(rows, r + band);
    yield kernelTileBatch(index, kernel, [{ rowStart: r, rowEnd: end, colStart: 0, colEnd: cols, values: kernel.values.subarray(r * cols, end * cols) }]);
  }
}

/** A kernel-tiles stream of `kernels` (numbered 0, 1, ... in order), with `meta` as run metadata. */
export function kernelStream(kernels: readonly Kernel[], meta: RunMeta = {}, options: KernelStreamOptions = {}): ResultStream<KernelTileColumns> {
  function* batches(): Generator<RecordBatch<KernelTileColumns>> {
    for (let i = 0; i < kernels.length; i++) yield* kernelTileBatches(kernels[i], i, options);
  }
  return new ResultStream(resultSchema('kernel-tiles', meta), batches(), options);
}

/** Options of kernelsFromTable. */
export interface KernelsFromTableOptions {
  /** Drop kernels whose tiles do not cover them (a cancelled run) instead of throwing. Default false. */
  skipIncomplete?: boolean;
  /** Names the source in error messages. */
  where?: string;
}

interface TileRef {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  values: Float32Array;
}

interface Group {
  index: number;
  desc: Required<KernelDescriptor>;
  wallTimeMs: number;
  tiles: TileRef[];
}

/** Reassembles the kernels of a kernel-tiles table, ordered by their `kernel` number; checks exact coverage. */
export function kernelsFromTable(table: Table<KernelTileColumns>, options: KernelsFromTableOptions = {}): Kernel[] {
  const where = options.where ?? 'kernel-tiles table';
  const groups = new Map<number, Group>();
  for (const batch of table.batches) collectTiles(batch, groups, where);
  const incomplete = table.schema.metadata.get(META.complete) === 'false';
  const kernels: Kernel[] = [];
  for (const g of [...groups.values()].sort((a, b) => a.index - b.index)) {
    const gap = coverageProblem(g);
    if (gap !== undefined) {
      if (options.skipIncomplete) continue;
      const hint = incomplete ? ' (the result is marked complete: "false"; pass skipIncomplete to keep the whole kernels)' : '';
      throw new ArrowFormatError(`${where}: kernel ${g.index} '${g.desc.label}': ${gap}${hint}`);
    }
    kernels.push(assemble(g));
  }
  return kernels;
}

function collectTiles(batch: RecordBatch<KernelTileColumns>, groups: Map<number, Group>, where: string): void {
  const col = <K extends keyof KernelTileColumns>(name: K): Vector<KernelTileColumns[K]> => batch.getChild(name) as Vector<KernelTileColumns[K]>;
  const kernel = col('kernel') as Vector<Int32>;
  const str = (name: 'label' | 'kernel_kind' | 'layout' | 'backend' | 'normalization', i: number): string => (col(name) as Vector<Utf8>).get(i) ?? '';
  const int = (name: 'outputs' | 'row_start' | 'row_end' | 'col_start' | 'col_end', i: number): number => (col(name) as Vector<Int32>).get(i) ?? NaN;
  const shapes = col('shape') as Vector<List<Int32>>;
  const symmetric = col('symmetric') as Vector<Bool>;
  const wall = col('wall_time_ms');
  const values = (col('values') as Vector<List<Float32>>).data[0];
  const offsets = values.valueOffsets;
  const child = values.children[0] as (typeof values.children)[0] & { values: Float32Array };

  for (let i = 0; i < batch.numRows; i++) {
    const index = kernel.get(i) ?? NaN;
    const kind = str('kernel_kind', i) as KernelKind;
    const layout = str('layout', i) as OutputLayout;
    const shape = Array.from(shapes.get(i)?.toArray() ?? []);
    const desc: Required<KernelDescriptor> = {
      label: str('label', i),
      kind,
      layout,
      outputs: int('outputs', i),
      shape,
      symmetric: symmetric.get(i) ?? false,
      backend: str('backend', i),
      wallTimeMs: wall.get(i) ?? NaN,
      normalization: str('normalization', i),
    };
    const at = `${where}: tile ${i} of kernel ${index} '${desc.label}'`;
    if (!KERNEL_KINDS.includes(kind)) throw new ArrowFormatError(`${at}: kernel_kind '${kind}' is not one of ${KERNEL_KINDS.join(', ')}`);
    if (!LAYOUTS.includes(layout)) throw new ArrowFormatError(`${at}: layout '${layout}' is not one of ${LAYOUTS.join(', ')}`);
    if (shape.length < 2 || shape.some((d) => d < 0)) throw new ArrowFormatError(`${at}: shape [${shape.join(', ')}] needs 2+ non-negative dims`);

    let g = groups.get(index);
    if (!g) groups.set(index, (g = { index, desc, wallTimeMs: desc.wallTimeMs, tiles: [] }));
    else {
      const diff = descriptorDiff(g.desc, desc);
      if (diff) throw new ArrowFormatError(`${at}: ${diff} differs from the kernel's earlier tiles`);
      g.wallTimeMs = Math.max(g.wallTimeMs, desc.wallTimeMs);
    }
    const tile = { r0: int('row_start', i), r1: int('row_end', i), c0: int('col_start', i), c1: int('col_end', i) };
    const [rows, cols] = kernelGrid(shape);
    if (!(tile.r0 >= 0 && tile.r0 <= tile.r1 && tile.r1 <= rows && tile.c0 >= 0 && tile.c0 <= tile.c1 && tile.c1 <= cols)) {
      throw new ArrowFormatError(`${at}: rows [${tile.r0}, ${tile.r1}) x cols [${tile.c0}, ${tile.c1}) is outside the ${rows} x ${cols} grid`);
    }
    const start = child.offset + offsets[values.offset + i];
    const end = child.offset + offsets[values.offset + i + 1];
    const size = (tile.r1 - tile.r0) * (tile.c1 - tile.c0);
    if (end - start !== size) throw new ArrowFormatError(`${at}: has ${end - start} values, its range needs ${size}`);
    g.tiles.push({ ...tile, values: child.values.subarray(start, end) });
  }
}

function descriptorDiff(a: Required<KernelDescriptor>, b: Required<KernelDescriptor>): string | undefined {
  for (const k of ['label', 'kind', 'layout', 'outputs', 'symmetric', 'backend', 'normalization'] as const) {
    if (a[k] !== b[k]) return `${k} (${JSON.stringify(b[k])} vs ${JSON.stringify(a[k])})`;
  }
  if (a.shape.join(',') !== b.shape.join(',')) return `shape ([${b.shape.join(', ')}] vs [${a.shape.join(', ')}])`;
  return undefined;
}

// Exact cover = no two tiles overlap and their areas add up to the grid's.
function coverageProblem(g: Group): string | undefined {
  const [rows, cols] = kernelGrid(g.desc.shape);
  const tiles = g.tiles.filter((t) => t.r1 > t.r0 && t.c1 > t.c0).sort((a, b) => a.r0 - b.r0 || a.c0 - b.c0);
  for (let i = 0; i < tiles.length; i++) {
    for (let j = i + 1; j < tiles.length && tiles[j].r0 < tiles[i].r1; j++) {
      if (tiles[j].c0 < tiles[i].c1 && tiles[i].c0 < tiles[j].c1) {
        const [a, b] = [tiles[i], tiles[j]];
        return `tiles overlap: rows [${a.r0}, ${a.r1}) x cols [${a.c0}, ${a.c1}) and rows [${b.r0}, ${b.r1}) x cols [${b.c0}, ${b.c1})`;
      }
    }
  }
  const covered = tiles.reduce((s, t) => s + (t.r1 - t.r0) * (t.c1 - t.c0), 0);
  if (covered !== rows * cols) return `tiles cover ${covered} of its ${rows} x ${cols} = ${rows * cols} entries`;
  return undefined;
}

function assemble(g: Group): Kernel {
  const [rows, cols] = kernelGrid(g.desc.shape);
  const out = new Float32Array(rows * cols);
  for (const t of g.tiles) {
    const w = t.c1 - t.c0;
    if (w === cols) out.set(t.values, t.r0 * cols);
    else for (let r = t.r0; r < t.r1; r++) out.set(t.values.subarray((r - t.r0) * w, (r - t.r0 + 1) * w), r * cols + t.c0);
  }
  const { desc } = g;
  return new Kernel({
    values: out,
    shape: desc.shape as number[],
    kind: desc.kind,
    layout: desc.layout,
    outputs: desc.outputs,
    label: desc.label,
    symmetric: desc.symmetric,
    backend: desc.backend,
    wallTimeMs: g.wallTimeMs,
    normalization: desc.normalization,
  });
}
