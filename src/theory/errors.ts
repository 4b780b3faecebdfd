/** Errors of the theory solvers that are not bad input. */
import { NtkLabError } from '../errors';

/** A Stieltjes fixed point did not converge, or the computed density lost mass (a support the scan missed). */
export class ConvergenceError extends NtkLabError {}
