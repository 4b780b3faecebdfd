/** Kernels cut into tiles and reassembled: identical Kernels, any tiling, exact-cover checks (acceptance 1 and 4). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ArrowFormatError } from '../../src/errors';
import { Kernel } from '../../src/ntk/kernel';
import {
  KernelTile, kernelTileBatch, KernelTileColumns, kernelsFromTable, readKernels, readResults, resultSchema, ResultStream, writeKernels,
} from '../../src/arrow';
import { RecordBatch } from 'apache-arrow';
import { makeKernel, sameBits, tempDir } from './helpers';

const tmp = tempDir();
after(tmp.cleanup);

function assertSameKernel(got: Kernel, want: Kernel): void {
  assert.ok(sameBits(got.values, want.values), `values of ${want.label} differ`);
  const { values: _g, ...g } = { ...got, shape: [...got.shape] };
  const { values: _w, ...w } = { ...want, shape: [...want.shape] };
  assert.deepEqual(g, w);
}

/** Cuts rows x cols into blocks of br x bc (edge blocks smaller), each tile with its own values. */
function blockTiles(k: Kernel, br: number, bc: number): KernelTile[] {
  const rows = k.shape[0];
  const cols = k.values.length / rows;
  const tiles: KernelTile[] = [];
  for (let r = 0; r < rows; r += br) {
    for (let c = 0; c < cols; c += bc) {
      const r1 = Math.min(rows, r + br);
      const c1 = Math.min(cols, c + bc);
      const v = new Float32Array((r1 - r) * (c1 - c));
      for (let i = r; i < r1; i++) v.set(k.values.subarray(i * cols + c, i * cols + c1), (i - r) * (c1 - c));
      tiles.push({ rowStart: r, rowEnd: r1, colStart: c, colEnd: c1, values: v });
    }
  }
  return tiles;
}

describe('kernels as tiles', () => {
  const kernels = [
    makeKernel([13, 13], { symmetric: true }),
    makeKernel([9, 5], { kind: 'ck', label: 'ck:layer2', normalization: '' }),
    makeKernel([4 * 3, 6 * 3], { layout: 'full', outputs: 3, label: 'ntk-full' }),
    makeKernel([4, 6, 3], { layout: 'diagonal', outputs: 3, label: 'ntk-diag', wallTimeMs: 0 }),
    makeKernel([0, 0], { kind: 'ntk-component', label: 'layer1/bias' }),
    makeKernel([3, 0], { kind: 'ntk-component', label: 'empty-cols' }),
  ];

  for (const format of ['arrow', 'arrows']) {
    for (const tileRows of [undefined, 1, 4, 100]) {
      it(`reassembles identical kernels (.${format}, tileRows ${tileRows ?? 'default'})`, async () => {
        const path = join(tmp.dir, `k-${tileRows}.${format}`);
        await writeKernels(path, kernels, { seed: 1 }, { tileRows });
        const back = await readKernels(path);
        assert.equal(back.length, kernels.length);
        back.forEach((k, i) => assertSameKernel(k, kernels[i]));
      });
    }
  }

  it('reassembles kernels from 2-D block tiles in any order, several tiles per batch', async () => {
    const k = makeKernel([11, 17], { label: 'blocked', wallTimeMs: 9 });
    const tiles = blockTiles(k, 4, 5).reverse();
    const batches = [kernelTileBatch(3, { ...k, wallTimeMs: 2 }, tiles.slice(0, 5)), kernelTileBatch(3, k, tiles.slice(5))];
    const path = join(tmp.dir, 'blocked.arrow');
    await new ResultStream(resultSchema('kernel-tiles'), batches).toFile(path);
    const [back] = await readKernels(path);
    assertSameKernel(back, k); // wall time: the largest over the tiles
  });

  it('writes a 2000 x 2000 kernel as tiles and reads back the same kernel', async () => {
    const k = makeKernel([2000, 2000], { symmetric: true, wallTimeMs: 412.5 });
    const path = join(tmp.dir, 'big.arrow');
    const summary = await writeKernels(path, [k], { params: { n: 2000 } });
    assert.ok(summary.bytes > 16e6 && summary.bytes < 16.1e6, `file is ${summary.bytes} bytes`);
    const [back] = await readKernels(path);
    assertSameKernel(back, k);
  });

  const tableOf = async (batches: RecordBatch<KernelTileColumns>[]) => new ResultStream(resultSchema('kernel-tiles'), batches).toTable();
  const k = makeKernel([6, 6]);

  it('rejects overlapping tiles', async () => {
    const t = blockTiles(k, 3, 6);
    const table = await tableOf([kernelTileBatch(0, k, [...t, t[1]])]);
    assert.throws(() => kernelsFromTable(table), (e: Error) => e instanceof ArrowFormatError && /tiles overlap/.test(e.message));
  });

  it('rejects missing tiles, or skips their kernel on request', async () => {
    const other = makeKernel([2, 2], { label: 'whole' });
    const table = await tableOf([kernelTileBatch(0, k, blockTiles(k, 2, 6).slice(1)), kernelTileBatch(1, other, blockTiles(other, 2, 2))]);
    assert.throws(() => kernelsFromTable(table), /kernel 0 'ntk': tiles cover 24 of its 6 x 6 = 36 entries/);
    const kept = kernelsFromTable(table, { skipIncomplete: true });
    assert.deepEqual(kept.map((x) => x.label), ['whole']);
  });

  it('rejects tiles of one kernel that disagree on its descriptor', async () => {
    const t = blockTiles(k, 3, 6);
    const table = await tableOf([kernelTileBatch(0, k, [t[0]]), kernelTileBatch(0, { ...k, layout: 'full' }, [t[1]])]);
    assert.throws(() => kernelsFromTable(table), /layout \("full" vs "trace"\) differs/);
  });

  it('refuses to build tiles outside the grid or of the wrong length', () => {
    assert.throws(() => kernelTileBatch(0, k, [{ rowStart: 0, rowEnd: 7, colStart: 0, colEnd: 1, values: new Float32Array(7) }]), /outside the 6 x 6 grid/);
    assert.throws(() => kernelTileBatch(0, k, [{ rowStart: 0, rowEnd: 1, colStart: 0, colEnd: 2, values: new Float32Array(3) }]), /values has length 3, the tile needs 2/);
  });

  it('readResults gives the tiles as a typed table pandas-style users can filter', async () => {
    const path = join(tmp.dir, 'typed.arrow');
    await writeKernels(path, kernels.slice(0, 2), {}, { tileRows: 5 });
    const { table } = await readResults(path, 'kernel-tiles');
    assert.deepEqual([...table.getChild('label')!], ['ntk', 'ntk', 'ntk', 'ck:layer2', 'ck:layer2']);
    assert.deepEqual([...table.getChild('row_end')!], [5, 10, 13, 5, 9]);
  });
});
