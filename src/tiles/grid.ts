/**
 * The tile grid of a job: square blocks of `tile` examples over x1 (rows) and x2 (columns); the last block of
 * an axis is shorter when `tile` does not divide n. A symmetric kernel (x2 omitted) keeps only the upper half,
 * blocks (i, j) with i <= j: the lower blocks are their transposes. Tiles are numbered row-major over the kept
 * blocks, K = 0..count-1, which is the index a worker gets (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, --index).
 */
import { InvalidOptionError } from '../errors';
import { TileIndexError } from './errors';

/** Half-open example range [start, end). */
export interface BlockRange {
  start: number;
  end: number;
}

/** The grid as the manifest stores it. */
export interface TileGridSpec {
  /** Examples of x1 (rows) and x2 (columns; = n1 when symmetric). */
  n1: number;
  n2: number;
  /** Block edge, examples. */
  tile: number;
  /** ceil(n1 / tile), ceil(n2 / tile). */
  rowBlocks: number;
  colBlocks: number;
  /** 'upper': blocks i <= j only (symmetric kernel); 'full': every block. */
  half: 'upper' | 'full';
  /** Number of tiles = rowBlocks (rowBlocks + 1) / 2 (upper) or rowBlocks colBlocks (full). */
  tiles: number;
}

/** One tile: its index K, block (i, j) and example ranges. */
export interface TileRef {
  index: number;
  i: number;
  j: number;
  rows: BlockRange;
  cols: BlockRange;
  /** File stem '<i>-<j>' of tiles/<i>-<j>.arrow and its record. */
  name: string;
}

/** The grid of an n1 x n2 kernel in blocks of `tile` examples; `symmetric` keeps the upper half. */
export function tileGrid(n1: number, n2: number, tile: number, symmetric: boolean): TileGridSpec {
  for (const [name, v] of [['n1', n1], ['n2', n2], ['tile', tile]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidOptionError(`${name} must be a positive integer, got ${v}`);
  }
  if (symmetric && n1 !== n2) throw new InvalidOptionError(`a symmetric kernel is square, got n1 = ${n1}, n2 = ${n2}`);
  const rowBlocks = Math.ceil(n1 / tile);
  const colBlocks = Math.ceil(n2 / tile);
  const tiles = symmetric ? (rowBlocks * (rowBlocks + 1)) / 2 : rowBlocks * colBlocks;
  return { n1, n2, tile, rowBlocks, colBlocks, half: symmetric ? 'upper' : 'full', tiles };
}

/** Example range of block b of an axis of n examples. */
function blockRange(b: number, n: number, tile: number): BlockRange {
  return { start: b * tile, end: Math.min(n, (b + 1) * tile) };
}

/** Tile number `index` of the grid; TileIndexError outside 0..tiles-1. */
export function tileAt(grid: TileGridSpec, index: number): TileRef {
  if (!Number.isSafeInteger(index) || index < 0 || index >= grid.tiles) {
    throw new TileIndexError(`tile index ${index} is outside 0..${grid.tiles - 1} (the job has ${grid.tiles} tiles)`);
  }
  let i: number;
  let j: number;
  if (grid.half === 'full') {
    i = Math.floor(index / grid.colBlocks);
    j = index % grid.colBlocks;
  } else {
    // Row i of the upper half holds rowBlocks - i tiles; walk the rows (at most a few thousand) rather than
    // invert the triangular number in floating point.
    i = 0;
    let first = 0;
    while (first + (grid.rowBlocks - i) <= index) first += grid.rowBlocks - i++;
    j = i + (index - first);
  }
  return { index, i, j, rows: blockRange(i, grid.n1, grid.tile), cols: blockRange(j, grid.n2, grid.tile), name: `${i}-${j}` };
}

/** Every tile, in index order. */
export function allTiles(grid: TileGridSpec): TileRef[] {
  return Array.from({ length: grid.tiles }, (_, k) => tileAt(grid, k));
}

/** Kernel entries (example pairs) a tile covers: its area, the unit of work for throughput and ETA. */
export function tilePairs(t: TileRef): number {
  return (t.rows.end - t.rows.start) * (t.cols.end - t.cols.start);
}
