/**
 * Result kind 'density': spectral densities on a grid, empirical (histogram / kernel estimate of an ESD)
 * or theoretical (Marchenko-Pastur, Fan-Wang, deformed semicircle, ...). One row per grid point; a table
 * holds several curves, and the schema metadata key `laws` holds each curve's law and parameters.
 */
import { Field, Float64, RecordBatch, Utf8 } from 'apache-arrow';
import { ArrowFormatError, ShapeError } from '../../errors';
import { batchOf, f64Column, utf8Repeat } from '../columns';
import type { JsonValue } from '../metadata';

/** Column types of a density table. */
export type DensityColumns = {
  curve: Utf8;
  law: Utf8;
  x: Float64;
  density: Float64;
};

/** The columns, in order (see docs/arrow-schemas.md). */
export const DENSITY_FIELDS: readonly Field[] = [
  new Field('curve', new Utf8(), false),
  new Field('law', new Utf8(), false),
  new Field('x', new Float64(), false),
  new Field('density', new Float64(), false),
];

/** Names of the laws ntk-lab evaluates; other names are allowed for laws added later. */
export type DensityLaw = 'empirical' | 'marchenko-pastur' | 'semicircle' | 'fan-wang' | 'deformed-semicircle' | (string & {});

/** A curve's law and the parameters it was evaluated with (e.g. {gamma: 0.5, sigma2: 1}). */
export interface LawSpec {
  law: DensityLaw;
  params: { readonly [key: string]: JsonValue };
}

/** Schema metadata key holding JSON {curve: LawSpec}. */
export const LAWS_KEY = 'laws';

/** The kind-specific metadata of a density table: `laws` as JSON. */
export function densityMetadata(laws: Readonly<Record<string, LawSpec>>): Record<string, string> {
  return { [LAWS_KEY]: JSON.stringify(laws) };
}

/** Reads the `laws` metadata back ({} when absent). */
export function densityLaws(metadata: ReadonlyMap<string, string>): Record<string, LawSpec> {
  const text = metadata.get(LAWS_KEY);
  if (text === undefined) return {};
  let laws: unknown;
  try {
    laws = JSON.parse(text);
  } catch (e) {
    throw new ArrowFormatError(`density metadata '${LAWS_KEY}' is not valid JSON (${(e as Error).message})`);
  }
  if (laws === null || typeof laws !== 'object' || Array.isArray(laws)) {
    throw new ArrowFormatError(`density metadata '${LAWS_KEY}' must be a JSON object {curve: {law, params}}`);
  }
  return laws as Record<string, LawSpec>;
}

/** One curve on a grid: x[i] (the eigenvalue axis, kernel units) and density[i] (per unit of x). */
export interface DensityInput {
  curve: string;
  law: DensityLaw;
  x: ArrayLike<number>;
  density: ArrayLike<number>;
}

/** One batch of `x.length` rows. */
export function densityBatch(input: DensityInput): RecordBatch<DensityColumns> {
  const n = input.x.length;
  if (input.density.length !== n) {
    throw new ShapeError(`densityBatch '${input.curve}': x has length ${n}, density has length ${input.density.length}`);
  }
  return batchOf<DensityColumns>(DENSITY_FIELDS, [
    utf8Repeat(input.curve, n),
    utf8Repeat(input.law, n),
    f64Column(input.x),
    f64Column(input.density),
  ]);
}
