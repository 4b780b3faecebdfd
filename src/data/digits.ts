/**
 * scikit-learn's handwritten digits, shipped with ntk-lab (data/digits.arrow, made once by scripts/export-digits.py
 * from the copy inside the scikit-learn wheel): 1,797 images of 8 x 8 pixels with values 0..16, labels 0..9
 * (about 180 of each). Works offline.
 *
 *   const { train, test } = await loadDigits({ split: 0.25, seed: 0 });
 *   const K = await ntk(mlp({ inputDim: 64, widths: [256], outputDim: 10 }), train.x);
 */
import { join } from 'node:path';
import { InvalidOptionError } from '../errors';
import { readArrowTable, tableDataset } from './arrow';
import { DataFormatError } from './errors';
import { classificationSet, ClassificationSet, takeRows } from './labelled';
import { trainTestSplit } from './split';

/** Where the packaged file lies: <package>/data/digits.arrow (this module is <package>/build/src/data/digits.js). */
export const DIGITS_FILE = join(__dirname, '..', '..', '..', 'data', 'digits.arrow');

/** Options of loadDigits. */
export interface DigitsOptions {
  /** Divide pixels by 16 so that they lie in [0, 1] (default true); false keeps 0..16. */
  normalize?: boolean;
  /** Fraction of the examples held out as the test set, in [0, 1) (default 0: train is every example, test is empty). */
  split?: number;
  /** Seed of the (stratified) shuffle before the split (default 0). */
  seed?: number;
}

/** The digits: every example (in the file's order) and a seeded train/test split; x rows are 64 pixels, exampleShape [8, 8, 1]. */
export interface DigitsData extends ClassificationSet {
  train: ClassificationSet;
  test: ClassificationSet;
}

/** Loads scikit-learn's digits: x 1797 x 64 float32, y Int32Array of 0..9, targets one-hot 1797 x 10. */
export async function loadDigits(options: DigitsOptions = {}): Promise<DigitsData> {
  const split = options.split ?? 0;
  if (!(split >= 0 && split < 1)) throw new InvalidOptionError(`loadDigits: split must be a fraction in [0, 1), got ${options.split}`);
  const table = await readArrowTable(DIGITS_FILE);
  const scale = (options.normalize ?? true) ? 1 / 16 : 1;
  const ds = tableDataset(table, { features: ['pixels'], label: 'label', normalize: { scale } }, DIGITS_FILE);
  if (ds.x.rows !== 1797 || ds.x.cols !== 64 || !(ds.y instanceof Int32Array)) {
    throw new DataFormatError(`${DIGITS_FILE}: expected 1797 rows of 64 pixels and integer labels, got ${ds.x.rows} x ${ds.x.cols}`);
  }
  const all = classificationSet(ds.x, ds.y, 10, [8, 8, 1]);
  const parts = split > 0 ? trainTestSplit(all, { testFraction: split, seed: options.seed ?? 0 }) : { train: all, test: takeRows(all, []) };
  return { ...all, ...parts };
}
