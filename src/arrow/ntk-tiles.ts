/**
 * Streams the engine's NTK tiles (ntkTiles) as a kernel-tiles result while they are computed, so a kernel
 * too big to hold goes to disk (or a widget) block by block. The reader reassembles it with readKernels.
 */
import type { RecordBatch } from 'apache-arrow';
import type { NtkTile } from '../ntk/ntk';
import type { KernelDescriptor, KernelTileColumns } from './kinds/kernel-tiles';
import { kernelTileBatch } from './kinds/kernel-tiles';
import type { RunMeta } from './metadata';
import { resultSchema } from './schemas';
import { ResultStream, ResultStreamOptions } from './stream';

/** Grid rows/cols of a tile of examples rows x cols: the 'full' layout interleaves k outputs in both axes, 'diagonal' in the columns. */
function gridRange(tile: NtkTile): { rowStart: number; rowEnd: number; colStart: number; colEnd: number } {
  const k = tile.outputs;
  if (tile.layout === 'full') return { rowStart: tile.rows.start * k, rowEnd: tile.rows.end * k, colStart: tile.cols.start * k, colEnd: tile.cols.end * k };
  if (tile.layout === 'diagonal') return { rowStart: tile.rows.start, rowEnd: tile.rows.end, colStart: tile.cols.start * k, colEnd: tile.cols.end * k };
  return { rowStart: tile.rows.start, rowEnd: tile.rows.end, colStart: tile.cols.start, colEnd: tile.cols.end };
}

/**
 * A kernel-tiles ResultStream of the NTK (kernel 0) and, when the tiles carry them, its components (kernels 1..),
 * one batch per tile. `descriptor` describes the whole NTK ([n1, n2] etc.); components share it with their labels.
 */
export function ntkTileStream(
  tiles: AsyncIterable<NtkTile>,
  descriptor: KernelDescriptor,
  meta: RunMeta = {},
  options: ResultStreamOptions = {},
): ResultStream<KernelTileColumns> {
  const start = performance.now();
  async function* batches(): AsyncGenerator<RecordBatch<KernelTileColumns>> {
    for await (const tile of tiles) {
      const range = gridRange(tile);
      const wallTimeMs = performance.now() - start;
      yield kernelTileBatch(0, { ...descriptor, wallTimeMs }, [{ ...range, values: tile.values }]);
      for (const [i, c] of (tile.components ?? []).entries()) {
        yield kernelTileBatch(i + 1, { ...descriptor, wallTimeMs, kind: 'ntk-component', label: c.label }, [{ ...range, values: c.values }]);
      }
    }
  }
  return new ResultStream(resultSchema('kernel-tiles', meta), batches(), options);
}
