/** The checks on pyarrow-written result files, shared by fixtures.test.ts and python.test.ts. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ArrowFormatError } from '../../src/errors';
import { readKernels, readResults } from '../../src/arrow';

/** Checks the pyarrow-written files in `dir` (the committed ones, or fresh ones from python.test.ts). */
export async function checkPyarrowFixtures(dir: string): Promise<void> {
  const kernels = await readKernels(join(dir, 'pyarrow-kernel-tiles.arrow'));
  assert.deepEqual(
    kernels.map((k) => [k.label, k.kind, k.layout, k.outputs, [...k.shape], k.symmetric, k.backend, k.wallTimeMs, k.normalization]),
    [
      ['ntk', 'ntk', 'trace', 1, [5, 4], false, 'numpy', 2.5, 'standard'],
      ['layer1/weight', 'ntk-component', 'diagonal', 2, [3, 2, 2], true, 'numpy', 2.5, 'standard'],
    ],
  );
  for (const k of kernels) assert.deepEqual([...k.values], Array.from(k.values, (_, i) => 0.5 * i - 3));

  const tiles = await readResults(join(dir, 'pyarrow-kernel-tiles.arrow'), 'kernel-tiles');
  assert.deepEqual(tiles.meta.params, { writer: 'pyarrow', widths: [4, 3, 1] });
  assert.equal(tiles.meta.seed, 11);
  assert.equal(tiles.meta.status.complete, true);

  const spectrum = await readResults(join(dir, 'pyarrow-spectrum.arrows'), 'spectrum');
  assert.equal(spectrum.format, 'stream');
  assert.equal(spectrum.meta.status.complete, true);
  assert.deepEqual([...spectrum.table.getChild('eigenvalue')!], [0, 1, 2, 3, 4, 5].map((i) => 1 / (i + 3)));
  assert.deepEqual([...spectrum.table.getChild('index')!], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(new Set(spectrum.table.getChild('label')!), new Set(['ck:layer1']));

  await assert.rejects(
    readResults(join(dir, 'pyarrow-spectrum-lz4.arrow')),
    (e: Error) => e instanceof ArrowFormatError && /compressed but codec not found.*compression=None/.test(e.message),
  );
}
