/**
 * bench/ntk-large: the NTK of the part-1 benchmark MLP (784-512-512-512-1, relu, NTK parameterisation, biases)
 * on n = 20,000 inputs (a 1.6 GB float32 kernel), computed tile by tile under a memory budget and streamed to an
 * Arrow file as the tiles finish. Reports time, throughput, peak RSS, and checks a few entries against a
 * directly computed sub-kernel.
 *
 *   npm run build && node build/bench/ntk-large.js [--n 20000] [--tile 2048] [--max-bytes 2e9] [--out /tmp/ntk-20000.arrow]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ntkTileStream, readResults } from '../src/arrow';
import { ensureBackend } from '../src/backend';
import { linalgInfo } from '../src/linalg';
import { mlp } from '../src/models';
import { ntk, ntkTiles } from '../src/ntk';
import { Rng } from '../src/random';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    tile: { type: 'string', default: '2048' },
    'max-bytes': { type: 'string', default: '2e9' },
    out: { type: 'string', default: path.join(os.tmpdir(), 'ntk-large.arrow') },
    keep: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  await ensureBackend();
  const n = Number(args.n);
  const tile = Number(args.tile);
  const maxBytes = Number(args['max-bytes']);
  const net = mlp({ inputDim: 784, widths: [512, 512, 512], activation: 'relu', parameterization: 'ntk', bias: true, biasStd: 1, seed: 0 });
  const x = { rows: n, cols: 784, data: new Rng(1).normals32(n * 784) };
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  let lastReport = t0;
  const tiles = ntkTiles(net, x, undefined, {
    tile,
    maxBytes,
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - lastReport > 5000 || done === total) {
        lastReport = now;
        console.log(`  ${done}/${total} steps, ${((now - t0) / 1000).toFixed(1)} s, rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`);
      }
    },
  });
  const stream = ntkTileStream(tiles, { label: 'ntk', kind: 'ntk', layout: 'trace', outputs: 1, shape: [n, n], symmetric: true, backend: linalgInfo().implementation, wallTimeMs: 0 }, { params: { n, tile, maxBytes } });
  const summary = await stream.toFile(args.out);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const bytes = fs.statSync(args.out).size;
  console.log(`bench/ntk-large: n = ${n}, tile = ${tile}, maxBytes = ${(maxBytes / 1e9).toFixed(2)} GB, linalg ${linalgInfo().implementation}`);
  console.log(`time ${seconds.toFixed(1)} s; file ${(bytes / 1e9).toFixed(2)} GB (${summary.status.batches} tiles); peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB`);
  // Check: the first 300 x 300 block against a direct computation.
  const m = 300;
  const direct = await ntk(net, { rows: m, cols: 784, data: x.data.subarray(0, m * 784) });
  const res = await readResults(args.out, 'kernel-tiles');
  const first = res.table.get(0)!;
  const cols = first.col_end - first.col_start;
  const values = first.values.toArray() as Float32Array;
  let maxRel = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) maxRel = Math.max(maxRel, Math.abs(values[i * cols + j] - direct.values[i * m + j]) / Math.abs(direct.values[i * m + j]));
  console.log(`first ${m} x ${m} block vs direct: max rel diff ${maxRel.toExponential(2)}`);
  net.dispose();
  if (!args.keep) fs.rmSync(args.out, { force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
