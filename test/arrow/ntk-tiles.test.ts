/** NTK tiles streamed to an Arrow file while computed reassemble to the in-memory kernels; a cancelled run leaves a readable, incomplete file. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ntkTileStream, readKernels, readResults } from '../../src/arrow';
import { CancelledError } from '../../src/errors';
import { mlp } from '../../src/models';
import { ntkLayerwise, ntkTiles } from '../../src/ntk';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

for (const layout of ['trace', 'full', 'diagonal'] as const) {
  test(`ntkTiles -> Arrow file -> readKernels equals ntkLayerwise (${layout})`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-tiles-'));
    const net = mlp({ inputDim: 4, widths: [9, 6], outputDim: 2, seed: 5 });
    try {
      const x1 = gaussianRows(23, 4, 1);
      const x2 = layout === 'trace' ? undefined : gaussianRows(17, 4, 2);
      const whole = await ntkLayerwise(net, x1, x2, { outputs: layout });
      const file = path.join(dir, 'k.arrow');
      const d = whole.ntk;
      const stream = ntkTileStream(ntkTiles(net, x1, x2, { outputs: layout, tile: 7, components: true }), {
        label: 'ntk', kind: 'ntk', layout, outputs: 2, shape: d.shape, symmetric: d.symmetric, backend: d.backend, wallTimeMs: 0,
      });
      await stream.toFile(file);
      const back = await readKernels(file);
      assert.deepEqual(back.map((k) => k.label), ['ntk', ...whole.components.map((c) => c.label)]);
      assert.deepEqual(back[0].shape, d.shape);
      // Same blocks in the same float32 arithmetic: equal to the last bit is not guaranteed across block sizes, 1e-6 is.
      [d, ...whole.components].forEach((k, i) => {
        let err = 0;
        let norm = 0;
        for (let p = 0; p < k.values.length; p++) {
          err += (back[i].values[p] - k.values[p]) ** 2;
          norm += k.values[p] ** 2;
        }
        assert.ok(Math.sqrt(err / norm) <= 1e-6, `${k.label}: ${Math.sqrt(err / norm)}`);
      });
    } finally {
      net.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('cancelling a tiled NTK mid-stream leaves a readable file marked incomplete', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-tiles-'));
  const net = mlp({ inputDim: 4, widths: [8], seed: 1 });
  try {
    const x = gaussianRows(40, 4, 3);
    const controller = new AbortController();
    let tiles = 0;
    const file = path.join(dir, 'k.arrow');
    const stream = ntkTileStream(
      ntkTiles(net, x, undefined, { tile: 10, signal: controller.signal, onProgress: () => tiles++ === 6 && controller.abort() }),
      { label: 'ntk', kind: 'ntk', layout: 'trace', outputs: 1, shape: [40, 40], symmetric: true, backend: 'test', wallTimeMs: 0 },
      {},
      { signal: controller.signal },
    );
    await assert.rejects(stream.toFile(file), CancelledError);
    const res = await readResults(file, 'kernel-tiles');
    assert.equal(res.meta.status.complete, false);
    assert.ok(res.table.numRows > 0 && res.table.numRows < 16, `${res.table.numRows} tiles written`);
    await assert.rejects(readKernels(file), /cover|incomplete/i);
    assert.deepEqual(await readKernels(file, { skipIncomplete: true }), []);
  } finally {
    net.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
