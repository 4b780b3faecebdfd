/**
 * Named error classes of ntk-lab. Every public function fails with one of these, so a notebook user
 * (and a test) can tell bad input from a resource limit from an internal failure.
 */

/** Base class: every error that ntk-lab throws on purpose. */
export class NtkLabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** An argument has the wrong shape, length, rank or is empty/ragged. */
export class ShapeError extends NtkLabError {}

/** An input or a parameter holds NaN or +-Infinity. */
export class NonFiniteError extends NtkLabError {}

/** An option has a value outside what the function accepts (unknown activation, bad enum, ...). */
export class InvalidOptionError extends NtkLabError {}

/** The model cannot be handled by the method asked for (e.g. a CNN given to the explicit MLP method). */
export class UnsupportedModelError extends NtkLabError {}

/** The estimated memory of a call exceeds the budget; raised before anything is allocated. */
export class MemoryBudgetError extends NtkLabError {
  constructor(message: string, readonly estimatedBytes: number, readonly maxBytes: number) {
    super(message);
  }
}

/** A compute backend (tfjs backend, BLAS addon) that was asked for is not available. */
export class BackendUnavailableError extends NtkLabError {}

/** A LAPACK/BLAS routine reported failure (info != 0). */
export class LinalgError extends NtkLabError {
  constructor(message: string, readonly routine: string, readonly info: number) {
    super(message);
  }
}

/** The user cancelled (AbortSignal) a long computation. */
export class CancelledError extends NtkLabError {}

/** An Arrow file or stream is not a readable ntk-lab result (truncated, wrong schema, foreign producer). */
export class ArrowFormatError extends NtkLabError {}
