/**
 * What a limiting spectral law is to ntk-lab: parameters with provenance, a fixed-point problem whose
 * solution gives its Stieltjes transform m(z) = integral dmu(x) / (x - z) (Im z > 0), an interval that
 * contains its support, and where point masses may sit. The density is Im m(x + i0+) / pi (./density).
 */
import type { JsonValue } from '../arrow/metadata';
import type { Complex } from './complex';

/**
 * A fixed point u = U(u; z) in `size` complex unknowns (interleaved re, im in a Float64Array) whose solution
 * gives m(z). Near |z| -> infinity U is contracting and `initial` is close to the solution, which is where
 * the solver's continuation starts.
 */
export interface FixedPointProblem {
  size: number;
  /** A starting point for z far from the support. */
  initial(z: Complex): Float64Array;
  /** out <- U(u; z). */
  map(u: Float64Array, z: Complex, out: Float64Array): void;
  /** m(z) from the solution u. */
  stieltjes(u: Float64Array, z: Complex): Complex;
  /** Whether u lies on the physical branch (sign conditions the solution must meet for Im z > 0); default: any. */
  admissible?(u: Float64Array): boolean;
}

/** A limiting spectral law, ready for ./density. */
export interface SpectralLaw {
  /** 'marchenko-pastur', 'semicircle', 'fan-wang-ck', 'fan-wang-ntk', 'deformed-semicircle'. */
  name: string;
  /** Its parameters, as documented where the law is built (written into Arrow metadata). */
  params: { readonly [key: string]: JsonValue };
  /** Where the law comes from (paper and equation). */
  citation: string;
  /** An interval [lo, hi] that contains the support. */
  bounds: readonly [number, number];
  /** Points where an atom (point mass) may sit; checked numerically. */
  atomCandidates: readonly number[];
  problem: FixedPointProblem;
  /** The density in closed form, where one exists (for validation). */
  closedForm?: (x: number) => number;
  /** Atoms in closed form, where known. */
  closedFormAtoms?: readonly { at: number; mass: number }[];
}
