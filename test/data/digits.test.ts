/**
 * The packaged scikit-learn digits (data/digits.arrow) against what scikit-learn itself reports, recorded by
 * test/fixtures/make_data_fixtures.py: shape, label counts, pixel sum, the first image; and the seeded split.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDigits, oneHot, trainTestSplit } from '../../src/data';
import { InvalidOptionError } from '../../src/errors';
import { EXPECTED } from './fixtures';

const D = EXPECTED.digits;

test('loadDigits: 1797 x 64, label counts, pixel sum and first image as scikit-learn has them; normalize divides by 16', async () => {
  const raw = await loadDigits({ normalize: false });
  assert.deepEqual([raw.x.rows, raw.x.cols, D.rows, D.cols], [1797, 64, 1797, 64]);
  const counts = new Array<number>(10).fill(0);
  for (const c of raw.y) counts[c]++;
  assert.deepEqual(counts, D.label_counts);
  let sum = 0;
  for (const v of raw.x.data) sum += v;
  assert.equal(sum, D.pixel_sum);
  assert.deepEqual(Array.from(raw.x.data.subarray(0, 64)), D.first_image);
  assert.equal(raw.y[1796], D.last_label);
  assert.deepEqual(raw.exampleShape, [8, 8, 1]);
  const unit = await loadDigits();
  for (let i = 0; i < unit.x.data.length; i += 97) assert.equal(unit.x.data[i], raw.x.data[i] / 16);
  assert.deepEqual([unit.targets.rows, unit.targets.cols], [1797, 10]);
  assert.equal(unit.train.x.rows, 1797);
  assert.equal(unit.test.x.rows, 0);
});

test('split: seeded and stratified; train and test partition the examples; other seeds differ', async () => {
  const a = await loadDigits({ split: 0.25, seed: 3 });
  const b = await loadDigits({ split: 0.25, seed: 3 });
  const c = await loadDigits({ split: 0.25, seed: 4 });
  assert.deepEqual(Array.from(a.test.indices), Array.from(b.test.indices));
  assert.notDeepEqual(Array.from(a.test.indices), Array.from(c.test.indices));
  // Per class, round(count / 4) go to the test set.
  const testCounts = new Array<number>(10).fill(0);
  for (const y of a.test.y) testCounts[y]++;
  assert.deepEqual(testCounts, D.label_counts.map((n) => Math.round(n * 0.25)));
  const seen = [...a.train.indices, ...a.test.indices].sort((p, q) => p - q);
  assert.deepEqual(seen, Array.from({ length: 1797 }, (_, i) => i));
  // Rows follow their indices: each row equals the original example and label.
  for (const part of [a.train, a.test]) {
    for (let r = 0; r < part.x.rows; r += 53) {
      const i = part.indices[r];
      assert.deepEqual(part.x.data.subarray(r * 64, (r + 1) * 64), a.x.data.subarray(i * 64, (i + 1) * 64));
      assert.equal(part.y[r], a.y[i]);
      assert.equal(part.targets.data[r * 10 + part.y[r]], 1);
    }
  }
  const plain = trainTestSplit(a, { testFraction: 0.1, stratify: false, seed: 1 });
  assert.equal(plain.test.x.rows, Math.round(1797 * 0.1));
  await assert.rejects(loadDigits({ split: 1 }), InvalidOptionError);
  assert.throws(() => oneHot([0, 10], 10), /label 10 at row 1 is outside 0..9/);
});
