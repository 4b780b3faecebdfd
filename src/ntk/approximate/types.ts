/**
 * What every approximate kernel returns beside its values: an estimate of its error against the exact kernel,
 * saying how it was made and on how much, and what the approximation cost, so that a user can judge the trade.
 */

/** The error estimate of an approximate kernel against the exact trace-layout NTK. */
export interface ApproxError {
  /** Estimated relative Frobenius error ||K_approx - K||_F / ||K||_F of the whole n x n kernel (dimensionless). */
  estimate: number;
  /** How many examples (pseudo-NTK), example pairs (sketch) or kernel columns (Nystrom) the estimate was made on; 0 when exact. */
  subset: number;
  /** How the estimate was made, in words (e.g. 'exact trace-NTK / k on a random subset of 64 examples'). */
  method: string;
}

/** What an approximate kernel cost. */
export interface ApproxCost {
  /** Wall time of the approximation itself, milliseconds. */
  wallTimeMs: number;
  /** Wall time of the error estimate, milliseconds (included in no other field). */
  errorWallTimeMs: number;
  /** Entries of the exact (trace-layout) NTK computed, by the approximation and by its error estimate together (the whole kernel is n^2). */
  exactEntries: number;
  /** The work in words (e.g. 'one scalar-output NTK instead of a 3-output trace NTK'). */
  description: string;
}

/** Fields common to the approximate kernels' results. */
export interface ApproxResult {
  error: ApproxError;
  cost: ApproxCost;
}
