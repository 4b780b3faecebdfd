/**
 * .npy and .npz readers against files numpy wrote (test/fixtures/make_data_fixtures.py): every dtype, C and
 * Fortran order, big-endian, rank 0 to 4, format versions 1-3, np.savez and np.savez_compressed; damaged files
 * fail with DataFormatError naming the problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readNpy, readNpz, toMatrix, DataFormatError } from '../../src/data';
import type { NdArray } from '../../src/data';
import { EXPECTED, fixture, RecordedArray } from './fixtures';

/** Checks `a` against the recorded array exactly (values compared as numbers, or as BigInt for 64-bit integers). */
function same(a: NdArray, r: RecordedArray, what: string): void {
  assert.equal(a.dtype, r.dtype, `${what}: dtype`);
  assert.deepEqual(a.shape, r.shape, `${what}: shape`);
  assert.equal(a.data.length, r.values.length, `${what}: length`);
  for (let i = 0; i < r.values.length; i++) {
    const want = r.values[i];
    const got = a.data[i];
    if (typeof want === 'string') assert.equal(BigInt(got as bigint), BigInt(want), `${what}[${i}]`);
    else assert.equal(Number(got), want, `${what}[${i}]`);
  }
}

test('readNpy: float64, Fortran-order float32, int64 beyond 2^53, bool, big-endian, rank 0 and rank 4, versions 2 and 3', async () => {
  const cases: [string, string][] = [
    ['f64.npy', 'f64'], ['f32_fortran.npy', 'f32_fortran'], ['labels_i64.npy', 'labels_i64'], ['bool.npy', 'bool'],
    ['big_endian.npy', 'big_endian'], ['big_endian_i4.npy', 'big_endian_i4'], ['scalar.npy', 'scalar'],
    ['rank4_fortran_i2.npy', 'rank4_fortran_i2'], ['v2.npy', 'v2'], ['v3.npy', 'v3'],
  ];
  for (const [file, key] of cases) same(await readNpy(fixture(file)), EXPECTED.arrays[key], file);
  const i64 = await readNpy(fixture('labels_i64.npy'));
  assert.ok(i64.data instanceof BigInt64Array);
  assert.ok((await readNpy(fixture('f64.npy'))).data instanceof Float64Array);
  assert.ok((await readNpy(fixture('bool.npy'))).data instanceof Uint8Array);
  // Bytes in memory read the same as the path.
  same(await readNpy(readFileSync(fixture('f32_fortran.npy'))), EXPECTED.arrays.f32_fortran, 'bytes');
  const m = toMatrix(await readNpy(fixture('f32_fortran.npy')));
  assert.deepEqual([m.rows, m.cols], [3, 8]);
  assert.ok(m.data instanceof Float32Array);
});

test('readNpz: np.savez (stored) and np.savez_compressed (deflate) give every dtype exactly, positional names arr_0..', async () => {
  for (const file of ['stored.npz', 'compressed.npz']) {
    const arrays = await readNpz(fixture(file));
    const keys = Object.keys(EXPECTED.arrays).filter((k) => k.startsWith('npz/')).map((k) => k.slice(4));
    assert.deepEqual(Object.keys(arrays).sort(), keys.sort(), file);
    for (const k of keys) same(arrays[k], EXPECTED.arrays[`npz/${k}`], `${file}:${k}`);
  }
  const pos = await readNpz(fixture('positional.npz'));
  assert.deepEqual(Object.keys(pos).sort(), ['arr_0', 'arr_1']);
  assert.deepEqual(Array.from(pos.arr_0.data as Float32Array), [1, 1]);
  assert.equal(pos.arr_1.dtype, 'int32');
});

test('damaged .npy and .npz files fail with DataFormatError naming the problem', async () => {
  const good = readFileSync(fixture('f64.npy'));
  const bad = (mutate: (b: Buffer) => Buffer): Buffer => mutate(Buffer.from(good));
  const cases: [string, Buffer, RegExp][] = [
    ['bad magic', bad((b) => { b[1] = 0x41; return b; }), /bad magic/],
    ['truncated data', good.subarray(0, good.length - 9), /truncated: shape \[3, 4\] of float64 needs 96 data bytes, the file has 87/],
    ['truncated header', good.subarray(0, 40), /truncated \.npy header/],
    ['unknown version', bad((b) => { b[6] = 9; return b; }), /format version 9\.0/],
    ['no descr', bad((b) => Buffer.from(b.toString('latin1').replace("'descr'", "'dscr!'"), 'latin1')), /malformed \.npy header, no 'descr'/],
    ['object dtype', bad((b) => Buffer.from(b.toString('latin1').replace("'<f8'", "'|O8'"), 'latin1')), /dtype '\|O8' is not supported/],
    ['bad shape', bad((b) => Buffer.from(b.toString('latin1').replace('(3, 4)', '(3, x)'), 'latin1')), /bad shape/],
    ['empty', Buffer.alloc(0), /not a \.npy file/],
  ];
  for (const [what, bytes, message] of cases) {
    await assert.rejects(readNpy(bytes), (e: Error) => e instanceof DataFormatError && message.test(e.message), what);
  }
  await assert.rejects(readNpy(fixture('no-such.npy')), (e: Error) => e instanceof DataFormatError && /ENOENT/.test(e.message));
  const zip = readFileSync(fixture('compressed.npz'));
  await assert.rejects(readNpz(zip.subarray(0, zip.length - 30)), (e: Error) => e instanceof DataFormatError && /not a zip archive/.test(e.message), 'truncated zip');
  // Flip one byte inside the first member's compressed data: inflate fails or the CRC-32 check does.
  const flipped = Buffer.from(zip);
  flipped[200] ^= 0xff;
  await assert.rejects(readNpz(flipped), (e: Error) => e instanceof DataFormatError && /corrupt|CRC-32/.test(e.message), 'corrupt member');
  await assert.rejects(readNpz(fixture('f64.npy')), (e: Error) => e instanceof DataFormatError && /not a zip archive/.test(e.message));
});
