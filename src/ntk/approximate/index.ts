/**
 * Approximate NTKs with their error estimates (issue 18 item 4): the pseudo-NTK (one n x n kernel for k outputs at
 * the cost of one), a sketched NTK (a seeded Johnson-Lindenstrauss sketch of the per-example gradients, layer by
 * layer) and Nystrom from landmarks. Each says how far it is from the exact kernel and what it cost (docs/approximate.md).
 */
export { pseudoNtk } from './pseudo';
export type { PseudoNtkOptions, PseudoNtkResult } from './pseudo';
export { sketchedNtk } from './sketch';
export type { SketchedNtkOptions, SketchedNtkResult } from './sketch';
export { nystromNtk } from './nystrom';
export type { NystromNtkOptions, NystromNtkResult, NystromError } from './nystrom';
export type { ApproxError, ApproxCost, ApproxResult } from './types';
