/**
 * Result kind 'spectrum': eigenvalues of kernels, one row per eigenvalue, several kernels per table
 * (told apart by `label`), several runs per file set (told apart by `run_id`).
 */
import { Field, Float64, Int32, RecordBatch, Utf8 } from 'apache-arrow';
import type { KernelKind } from '../../ntk/kernel';
import { ShapeError } from '../../errors';
import { batchOf, f64Column, i32Column, utf8Repeat } from '../columns';

/** Column types of a spectrum table. */
export type SpectrumColumns = {
  index: Int32;
  eigenvalue: Float64;
  kernel_kind: Utf8;
  label: Utf8;
  run_id: Utf8;
};

/** The columns, in order (see docs/arrow-schemas.md). */
export const SPECTRUM_FIELDS: readonly Field[] = [
  new Field('index', new Int32(), false),
  new Field('eigenvalue', new Float64(), false),
  new Field('kernel_kind', new Utf8(), false),
  new Field('label', new Utf8(), false),
  new Field('run_id', new Utf8(), false),
];

/** The eigenvalues of one kernel (or a chunk of them, when `firstIndex` > 0). */
export interface SpectrumInput {
  /** Eigenvalues in the producer's order (ntk-lab's spectra are descending), in the kernel's units. */
  eigenvalues: ArrayLike<number>;
  kernelKind: KernelKind;
  /** Which kernel: 'ntk', 'ck:layer2', 'layer1/weight', ... */
  label: string;
  runId: string;
  /** Index of eigenvalues[0] in the whole spectrum; default 0. */
  firstIndex?: number;
}

/** One batch of `input.eigenvalues.length` rows. */
export function spectrumBatch(input: SpectrumInput): RecordBatch<SpectrumColumns> {
  const n = input.eigenvalues.length;
  const first = input.firstIndex ?? 0;
  if (!Number.isInteger(first) || first < 0 || first + n > 2147483647) {
    throw new ShapeError(`spectrumBatch: firstIndex must be a non-negative integer with firstIndex + length < 2^31, got ${first}`);
  }
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = first + i;
  return batchOf<SpectrumColumns>(SPECTRUM_FIELDS, [
    i32Column(index, 'index'),
    f64Column(input.eigenvalues),
    utf8Repeat(input.kernelKind, n),
    utf8Repeat(input.label, n),
    utf8Repeat(input.runId, n),
  ]);
}
