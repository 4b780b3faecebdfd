/**
 * Worker thread of the tile-store operator (store-operator.ts): it owns a fixed share of the tiles, and for each
 * pass reads them one at a time (checksum first) and adds their products or statistics into its own partial sums,
 * which live in shared memory the main thread then adds up. Messages: see StoreRequest / StoreReply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { accumulateProduct, accumulateStats, newScratch, type StatsPartial } from './store-accumulate';
import { readViewBlock, type StoredTile, type TileVerify } from './tile-block';

/** What the worker is started with. */
export interface StoreWorkerData {
  dir: string;
  tiles: StoredTile[];
  kernel: number;
  verify: TileVerify;
}

/** A pass: a product (v: n2 x b, y: this worker's n1 x b partial, zeroed) or the statistics (diagonal: n1). */
export type StoreRequest =
  | { op: 'apply'; v: SharedArrayBuffer; y: SharedArrayBuffer; b: number }
  | { op: 'stats'; diagonal: SharedArrayBuffer };

/** Per tile read, then the end of the pass (with the statistics' scalars) or the error that stopped it. */
export type StoreReply =
  | { type: 'tile'; name: string; bytes: number }
  | { type: 'done'; stats?: { sumSquares: number; sum: number; maxAbs: number } }
  | { type: 'error'; name: string; message: string };

const data = workerData as StoreWorkerData;
const scratch = newScratch();

parentPort?.on('message', (req: StoreRequest) => {
  void (async () => {
    try {
      if (req.op === 'apply') {
        const v = new Float64Array(req.v);
        const y = new Float64Array(req.y);
        for (const t of data.tiles) {
          const blk = await readViewBlock(t, data.kernel, data.verify, data.dir);
          accumulateProduct(blk, t.mirrored, v, y, req.b, scratch);
          parentPort!.postMessage({ type: 'tile', name: t.name, bytes: t.bytes } satisfies StoreReply);
        }
        parentPort!.postMessage({ type: 'done' } satisfies StoreReply);
      } else {
        const acc: StatsPartial = { sumSquares: 0, sum: 0, maxAbs: 0, diagonal: new Float64Array(req.diagonal) };
        for (const t of data.tiles) {
          accumulateStats(await readViewBlock(t, data.kernel, data.verify, data.dir), t.mirrored, acc);
          parentPort!.postMessage({ type: 'tile', name: t.name, bytes: t.bytes } satisfies StoreReply);
        }
        parentPort!.postMessage({ type: 'done', stats: { sumSquares: acc.sumSquares, sum: acc.sum, maxAbs: acc.maxAbs } } satisfies StoreReply);
      }
    } catch (e) {
      const err = e as Error;
      parentPort!.postMessage({ type: 'error', name: err.name ?? 'Error', message: err.message ?? String(e) } satisfies StoreReply);
    }
  })();
});
