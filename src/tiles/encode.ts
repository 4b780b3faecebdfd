/**
 * A tile as a kernel-tiles Arrow IPC file, in memory: the NTK block (kernel 0) and its components (kernels 1..),
 * ranges in the whole kernel's 2-D view, so that the tiles of a job (and their transposes) are an exact cover
 * that readKernels reassembles. Encoded to chunks (views of the values, no copy) for one atomic write.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { IpcEncoder } from '../arrow/ipc-encoder';
import type { KernelDescriptor, KernelTileColumns } from '../arrow/kinds/kernel-tiles';
import { kernelTileBatch } from '../arrow/kinds/kernel-tiles';
import type { RunMeta, StreamStatus } from '../arrow/metadata';
import { resultSchema } from '../arrow/schemas';
import type { ResultSink } from '../arrow/sink';
import { ResultStream } from '../arrow/stream';
import type { OutputLayout } from '../ntk/kernel';
import type { BlockRange } from './grid';

/** Rows and columns of the 2-D view covered by examples rows x cols ('full' interleaves k outputs in both axes, 'diagonal' in the columns). */
export function viewRange(rows: BlockRange, cols: BlockRange, layout: OutputLayout, k: number): { rowStart: number; rowEnd: number; colStart: number; colEnd: number } {
  const rk = layout === 'full' ? k : 1;
  const ck = layout === 'trace' ? 1 : k;
  return { rowStart: rows.start * rk, rowEnd: rows.end * rk, colStart: cols.start * ck, colEnd: cols.end * ck };
}

/** One tile's blocks: the NTK first, then the components, each laid out as its layout says (see NtkTile). */
export interface TileBlocks {
  rows: BlockRange;
  cols: BlockRange;
  layout: OutputLayout;
  outputs: number;
  /** [label, values] pairs: 'ntk' first. */
  kernels: { label: string; values: Float32Array }[];
}

/** The kernel-tiles batches of one tile; `descriptor` describes the whole NTK (components share it with their labels). */
export function tileBatches(t: TileBlocks, descriptor: KernelDescriptor): RecordBatch<KernelTileColumns>[] {
  const range = viewRange(t.rows, t.cols, t.layout, t.outputs);
  return t.kernels.map((kernel, i) =>
    kernelTileBatch(i, i === 0 ? descriptor : { ...descriptor, kind: 'ntk-component', label: kernel.label }, [{ ...range, values: kernel.values }]),
  );
}

/** Collects a stream's IPC file bytes. */
class ChunkSink implements ResultSink<KernelTileColumns, Uint8Array[]> {
  private encoder: IpcEncoder<KernelTileColumns> | undefined;
  private readonly chunks: Uint8Array[] = [];

  start(schema: Schema<KernelTileColumns>): void {
    this.encoder = new IpcEncoder('file', schema);
  }

  write(batch: RecordBatch<KernelTileColumns>): void {
    this.chunks.push(...this.encoder!.encode(batch));
  }

  close(status: StreamStatus): Uint8Array[] {
    if (this.encoder) this.chunks.push(...this.encoder.finish(status));
    return this.chunks;
  }
}

/** The IPC file bytes of `batches` as a complete kernel-tiles result with run metadata `meta`. */
export async function encodeKernelTiles(batches: RecordBatch<KernelTileColumns>[], meta: RunMeta): Promise<Uint8Array[]> {
  const [chunks] = await new ResultStream(resultSchema('kernel-tiles', meta), batches).pipeTo(new ChunkSink());
  return chunks;
}
