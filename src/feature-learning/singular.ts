/**
 * Singular values of a d x N weight-like matrix M and the overlaps <u_j, beta> of its left singular vectors
 * with a direction beta in R^d, from an eigendecomposition of the smaller Gram matrix (M M^T or M^T M, float64,
 * LAPACK dsyevr for the top few, dsyevd for all). Squaring costs accuracy only in the tiny singular values,
 * which no measurement here uses; it saves the full SVD (dgesdd) of M.
 */
import { ShapeError } from '../errors';
import { type Matrix, eighAsync, gramAsync } from '../linalg';
import { matTVec } from './vectors';

/** Which Gram: 'left' = M M^T (rows x rows), 'right' = M^T M (cols x cols). */
export type GramSide = 'left' | 'right';

/** Top singular values and overlaps. */
export interface SingularAlong {
  /** Singular values s_1 >= s_2 >= ... (k of them, or min(rows, cols)). */
  values: Float64Array;
  /** <u_j, beta> for the unit left singular vector u_j of values[j] (sign arbitrary; use |.|). */
  projections: Float64Array;
}

/** The smaller Gram's side for a rows x cols matrix. */
export function gramSide(rows: number, cols: number): GramSide {
  return rows <= cols ? 'left' : 'right';
}

/**
 * Singular values (descending; the top k, or all when k is omitted) and <u_j, beta> from `gram` (m x m):
 * side 'left': gram = M M^T and probe = beta (length m); side 'right': gram = M^T M and probe = M^T beta (length m).
 */
export async function singularFromGram(gram: Matrix<Float64Array>, side: GramSide, probe: Float64Array, k?: number): Promise<SingularAlong> {
  const m = gram.rows;
  if (gram.cols !== m) throw new ShapeError(`singularFromGram: gram must be square, got ${gram.rows} x ${gram.cols}`);
  if (probe.length !== m) throw new ShapeError(`singularFromGram: probe has length ${probe.length}, gram is ${m} x ${m}`);
  const count = Math.min(k ?? m, m);
  const { values, vectors } = await eighAsync(gram, { vectors: true, range: { lower: m - count, upper: m - 1 }, checkSymmetric: false });
  const s = new Float64Array(count);
  const projections = new Float64Array(count);
  const v = vectors!.data;
  for (let j = 0; j < count; j++) {
    const col = count - 1 - j; // eigh is ascending
    const lambda = Math.max(0, values[col]);
    s[j] = Math.sqrt(lambda);
    let p = 0;
    for (let i = 0; i < m; i++) p += v[i * count + col] * probe[i];
    // Right side: u_j = M v_j / s_j, so <u_j, beta> = <v_j, M^T beta> / s_j.
    projections[j] = side === 'left' ? p : s[j] > 0 ? p / s[j] : 0;
  }
  return { values: s, projections };
}

/** Top k singular values of M (rows x cols) and <u_j, beta> (beta: length rows), via M's smaller Gram. */
export async function topSingular(M: Matrix<Float64Array>, beta: Float64Array, k: number): Promise<SingularAlong> {
  if (beta.length !== M.rows) throw new ShapeError(`topSingular: beta has length ${beta.length}, M has ${M.rows} rows`);
  const side = gramSide(M.rows, M.cols);
  const gram = await gramAsync(M, { trans: side === 'right' });
  return singularFromGram(gram, side, side === 'left' ? beta : matTVec(M, beta), k);
}

/** |<u, beta>| for unit vectors: the alignment, in [0, 1]. */
export function alignmentOf(projection: number): number {
  return Math.min(1, Math.abs(projection));
}
