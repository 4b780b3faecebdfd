/**
 * Arrow IPC (file, stream, feather) and Parquet (snappy, pyarrow's default, and gzip) tables written by pyarrow
 * (test/fixtures/make_data_fixtures.py) to features x and labels y: numeric, bool, fixed_size_list and list
 * vector columns, int/float/string/dictionary labels, normalisation against numpy's; bad columns and nulls refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DataFormatError, readArrowDataset, readArrowTable, readParquet, tableDataset } from '../../src/data';
import type { Dataset } from '../../src/data';
import { EXPECTED, fixture, maxAbsDiff } from './fixtures';

const T = EXPECTED.table;

function checkDefault(ds: Dataset, what: string): void {
  assert.deepEqual([ds.x.rows, ds.x.cols], [T.rows, T.featureNames.length], `${what}: shape`);
  assert.deepEqual(ds.featureNames, T.featureNames, `${what}: feature names`);
  assert.ok(ds.x.data instanceof Float32Array);
  // The reader casts float64 to float32 once; numpy did the same cast.
  assert.equal(maxAbsDiff(ds.x.data, T.x), 0, `${what}: x`);
  assert.ok(ds.y instanceof Int32Array, `${what}: integer labels are an Int32Array`);
  assert.deepEqual(Array.from(ds.y), T.label, `${what}: y`);
  assert.equal(ds.labelName, 'label');
}

const SOURCES: [string, (o: Parameters<typeof readParquet>[1]) => Promise<Dataset>][] = [
  ['table.arrow', (o) => readArrowDataset(fixture('table.arrow'), o)],
  ['table.arrows', (o) => readArrowDataset(fixture('table.arrows'), o)],
  ['table.feather', (o) => readArrowDataset(readFileSync(fixture('table.feather')), o)],
  ['table.snappy.parquet', (o) => readParquet(fixture('table.snappy.parquet'), o)],
  ['table.gzip.parquet', (o) => readParquet(fixture('table.gzip.parquet'), o)],
];

test('default features: every numeric, bool and vector column but the label, in table order (Arrow file/stream/feather, Parquet snappy/gzip)', async () => {
  for (const [what, read] of SOURCES) {
    const ds = await read({ label: 'label', features: ['a', 'b', 'vec', 'lst', 'flag'] });
    checkDefault(ds, what);
    // Without `features`, every numeric column but the label: here also 'target'.
    const all = await read({ label: 'label' });
    assert.deepEqual(all.featureNames, [...T.featureNames, 'target'], `${what}: default features`);
  }
});

test('labels: float column -> Float32Array, strings and dictionary strings -> class indices; a vector column alone', async () => {
  for (const [what, read] of SOURCES) {
    const f = await read({ features: ['vec'], label: 'target' });
    assert.ok(f.y instanceof Float32Array, what);
    assert.ok(maxAbsDiff(f.y, T.target) === 0, `${what}: float labels`);
    assert.equal(maxAbsDiff(f.x.data, T.vec.map(Math.fround)), 0, `${what}: vec`);
    const s = await read({ features: ['a'], label: 'species' });
    assert.deepEqual(s.classes, T.species_classes, `${what}: classes`);
    assert.deepEqual(Array.from(s.y ?? []), T.species, `${what}: string labels`);
  }
  const half = await readArrowDataset(fixture('half.arrow'), { label: 'y' });
  assert.deepEqual(Array.from(half.x.data), EXPECTED.half.h, 'float16 column widened exactly');
  assert.deepEqual(Array.from(half.y ?? []), [0, 1, 2, 3, 4]);
  const d = await readArrowDataset(fixture('dictionary.arrow'), { label: 'cls' });
  assert.deepEqual(d.classes, ['a', 'b']);
  assert.deepEqual(Array.from(d.y ?? []), [1, 0, 1]);
  assert.deepEqual(Array.from(d.x.data), [1, 2, 3]);
});

test('normalize: minmax and standardize per column match numpy; { shift, scale } is affine', async () => {
  for (const [what, read] of SOURCES) {
    const features = ['a', 'b', 'vec', 'lst', 'flag'];
    const mm = await read({ features, normalize: 'minmax' });
    assert.ok(maxAbsDiff(mm.x.data, T.x_minmax) < 1e-6, `${what}: minmax ${maxAbsDiff(mm.x.data, T.x_minmax)}`);
    const st = await read({ features, normalize: 'standardize' });
    assert.ok(maxAbsDiff(st.x.data, T.x_standardize) < 1e-5, `${what}: standardize ${maxAbsDiff(st.x.data, T.x_standardize)}`);
    const af = await read({ features, normalize: { shift: 1, scale: 0.5 } });
    assert.ok(maxAbsDiff(af.x.data, T.x.map((v) => (v - 1) * 0.5)) < 1e-6, `${what}: affine`);
  }
});

test('bad input: unknown columns, string or timestamp features, nulls, ragged lists, a non-Arrow / non-Parquet file', async () => {
  const isData = (re: RegExp) => (e: Error) => e instanceof DataFormatError && re.test(e.message);
  const table = await readArrowTable(fixture('table.arrow'));
  assert.throws(() => tableDataset(table, { features: ['nope'] }), isData(/no column 'nope' \(columns: a: float, b: integer, vec: 3-vector/));
  assert.throws(() => tableDataset(table, { features: ['species'] }), isData(/feature column 'species' holds strings/));
  assert.throws(() => tableDataset(table, { features: ['when'] }), isData(/column 'when' has type Timestamp/));
  await assert.rejects(readParquet(fixture('table.snappy.parquet'), { features: ['when'] }), isData(/column 'when' is not numbers/));
  await assert.rejects(readArrowDataset(fixture('nulls.arrow')), isData(/column 'v' has nulls/));
  await assert.rejects(readParquet(fixture('nulls.parquet')), isData(/column 'v' has nulls/));
  await assert.rejects(readParquet(fixture('ragged.parquet')), isData(/row lengths differ \(2 and 1\)/));
  await assert.rejects(readArrowTable(fixture('f64.npy')), isData(/not an Arrow IPC file or stream/));
  await assert.rejects(readParquet(fixture('f64.npy')), isData(/not a Parquet file/));
});
