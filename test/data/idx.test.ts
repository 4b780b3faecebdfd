/** IDX files and the MNIST-style loader against files written byte by byte by the fixture script (numpy + struct + gzip). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataFormatError, loadMnist, readIdx } from '../../src/data';
import { EXPECTED, fixture } from './fixtures';

test('readIdx: float32, int16, gzipped float64 (big-endian in the file) exactly', async () => {
  for (const [file, key] of [['float.idx', 'idx/float'], ['short.idx', 'idx/short'], ['double.idx.gz', 'idx/double']]) {
    const a = await readIdx(fixture(file));
    const r = EXPECTED.arrays[key];
    assert.equal(a.dtype, r.dtype, file);
    assert.deepEqual(a.shape, r.shape, file);
    assert.deepEqual(Array.from(a.data as ArrayLike<number>), r.values, file);
  }
});

test('loadMnist: both spellings, plain and .gz; x n x rows*cols in [0, 1] (or 0..255), labels, one-hot targets, limit', async () => {
  const m = EXPECTED.mnist;
  const dir = fixture('mnist');
  const data = await loadMnist(dir);
  assert.deepEqual([data.train.x.rows, data.train.x.cols], [5, 12]);
  assert.deepEqual(data.train.exampleShape, [4, 3, 1]);
  assert.deepEqual(Array.from(data.train.y), m.train_y);
  assert.deepEqual(Array.from(data.test.y), m.test_y);
  assert.deepEqual(Array.from(data.train.x.data), m.train_x.map((v) => Math.fround(v / 255)));
  const raw = await loadMnist(dir, { normalize: false, limit: 2 });
  assert.deepEqual(Array.from(raw.test.x.data), m.test_x.slice(0, 24));
  assert.equal(raw.train.x.rows, 2);
  const t = data.test.targets;
  assert.deepEqual([t.rows, t.cols], [3, 10]);
  for (let i = 0; i < 3; i++) for (let c = 0; c < 10; c++) assert.equal(t.data[i * 10 + c], c === m.test_y[i] ? 1 : 0);
});

test('bad IDX input: bad magic, unknown type, truncated header or data, corrupt gzip, missing files, mismatched labels', async () => {
  const isData = (re: RegExp) => (e: Error) => e instanceof DataFormatError && re.test(e.message);
  const good = readFileSync(fixture('float.idx'));
  await assert.rejects(readIdx(Buffer.from([1, 0, 8, 1, 0, 0, 0, 1, 7])), isData(/bad magic/));
  await assert.rejects(readIdx(Buffer.from([0, 0, 0x42, 1, 0, 0, 0, 1, 7])), isData(/unknown IDX type code 0x42/));
  await assert.rejects(readIdx(good.subarray(0, 9)), isData(/truncated IDX header/));
  await assert.rejects(readIdx(good.subarray(0, good.length - 1)), isData(/truncated: shape \[2, 3\] of float32 needs 24 data bytes, the file has 23/));
  const gz = readFileSync(fixture('double.idx.gz'));
  await assert.rejects(readIdx(gz.subarray(0, gz.length - 8)), isData(/corrupt gzip/));
  const dir = mkdtempSync(join(tmpdir(), 'ntk-lab-mnist-'));
  try {
    await assert.rejects(loadMnist(dir), isData(/no train-images-idx3-ubyte or train-images-idx3-ubyte\.gz/));
    for (const f of ['train-images-idx3-ubyte.gz', 't10k-images.idx3-ubyte', 't10k-labels-idx1-ubyte.gz']) writeFileSync(join(dir, f), readFileSync(join(fixture('mnist'), f)));
    // Labels for 3 images only, against 5 training images.
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]));
    await assert.rejects(loadMnist(dir), (e: Error) => e.name === 'ShapeError' && /5 images but labels of shape \[3\]/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
