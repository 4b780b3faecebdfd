/** The data fixtures of test/fixtures/data (written by test/fixtures/make_data_fixtures.py) and their recorded contents. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '../../..');
export const FIXTURES = join(REPO, 'test', 'fixtures', 'data');

/** A fixture's path. */
export const fixture = (name: string): string => join(FIXTURES, name);

/** An array as the fixture script recorded it: dtype, shape, C-order values (int64/uint64 as decimal strings). */
export interface RecordedArray {
  dtype: string;
  shape: number[];
  values: (number | string)[];
}

export interface TableExpected {
  rows: number;
  featureNames: string[];
  x: number[];
  x_minmax: number[];
  x_standardize: number[];
  label: number[];
  target: number[];
  species_classes: string[];
  species: number[];
  vec: number[];
}

export interface ForwardExpected {
  x: number[];
  y: number[];
  weights?: number[][];
}

export interface Expected {
  arrays: Record<string, RecordedArray>;
  table: TableExpected;
  mnist: { train_x: number[]; train_y: number[]; test_x: number[]; test_y: number[]; shape: number[] };
  torch_mlp: ForwardExpected;
  torch_cnn: ForwardExpected;
  jax_mlp: ForwardExpected;
  tfjs_float32: ForwardExpected;
  tfjs_float16: ForwardExpected;
  tfjs_uint8: ForwardExpected;
  mlp_float16: ForwardExpected;
  half: { h: number[] };
  digits: { rows: number; cols: number; label_counts: number[]; pixel_sum: number; first_image: number[]; last_label: number };
}

export const EXPECTED = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as Expected;

/** Largest |a_i - b_i| (lengths must agree). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
