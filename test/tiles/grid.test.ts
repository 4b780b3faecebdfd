/** The tile grid: any n (the tile size need not divide it), upper half of a symmetric kernel, every entry covered once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allTiles, tileAt, tileGrid, tilePairs } from '../../src/tiles/grid';
import { TileIndexError } from '../../src/tiles/errors';

test('a symmetric grid keeps blocks i <= j, numbered row-major; with the transposes they cover the kernel exactly once', () => {
  for (const [n, tile] of [[3000, 800], [10, 3], [7, 7], [7, 10], [1, 1], [100, 1]] as const) {
    const g = tileGrid(n, n, tile, true);
    const b = Math.ceil(n / tile);
    assert.equal(g.tiles, (b * (b + 1)) / 2);
    const cover = new Uint8Array(n * n);
    let last = [-1, -1];
    for (const t of allTiles(g)) {
      assert.ok(t.i <= t.j, `${t.name} in the upper half`);
      assert.ok(t.i > last[0] || (t.i === last[0] && t.j > last[1]), 'row-major order');
      last = [t.i, t.j];
      assert.equal(t.name, `${t.i}-${t.j}`);
      assert.ok(t.rows.end - t.rows.start >= 1 && t.rows.end - t.rows.start <= tile);
      for (let r = t.rows.start; r < t.rows.end; r++) {
        for (let c = t.cols.start; c < t.cols.end; c++) {
          cover[r * n + c]++;
          if (t.i !== t.j) cover[c * n + r]++;
        }
      }
    }
    assert.ok(cover.every((c) => c === 1), `n = ${n}, tile = ${tile}: every entry once`);
    assert.equal(allTiles(g).reduce((s, t) => s + tilePairs(t), 0), upperPairs(n, tile), 'pairs count the kept blocks');
  }
});

function upperPairs(n: number, tile: number): number {
  let s = 0;
  const b = Math.ceil(n / tile);
  for (let i = 0; i < b; i++) for (let j = i; j < b; j++) s += (Math.min(n, (i + 1) * tile) - i * tile) * (Math.min(n, (j + 1) * tile) - j * tile);
  return s;
}

test('a cross grid keeps every block; 3000 in tiles of 800 ends with a block of 600', () => {
  const g = tileGrid(3000, 1100, 800, false);
  assert.deepEqual([g.rowBlocks, g.colBlocks, g.tiles, g.half], [4, 2, 8, 'full']);
  assert.deepEqual(tileAt(g, 7), { index: 7, i: 3, j: 1, rows: { start: 2400, end: 3000 }, cols: { start: 800, end: 1100 }, name: '3-1' });
  const s = tileGrid(3000, 3000, 800, true);
  assert.deepEqual([tileAt(s, 4).name, tileAt(s, 9).name], ['1-1', '3-3']);
});

test('indices outside 0..tiles-1 and bad sizes are named errors', () => {
  const g = tileGrid(10, 10, 3, true);
  for (const k of [-1, 10, 1.5, NaN]) assert.throws(() => tileAt(g, k), (e: Error) => e instanceof TileIndexError && /outside 0\.\.9/.test(e.message));
  assert.throws(() => tileGrid(0, 0, 3, true), /n1 must be a positive integer/);
  assert.throws(() => tileGrid(10, 12, 3, true), /symmetric kernel is square/);
  assert.throws(() => tileGrid(10, 10, 0, false), /tile must be a positive integer/);
});
