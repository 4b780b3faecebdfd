/**
 * ntk-lab's theory: Hermite coefficients of activations, exact expected kernels, the infinite-width NNGP, NTK and
 * CK of MLPs (ntkLimit, nngpLimit, ckLimit), and the limiting spectral laws of random kernels (Marchenko-Pastur,
 * semicircle, Fan & Wang's CK/NTK in the linear-width regime, Wang & Zhu's deformed semicircle in the ultra-wide
 * one), each computed from its Stieltjes fixed point on a grid.
 * Laws, parameters, normalisations and sources: docs/theory.md.
 *
 *   import { hermite, marchenkoPastur, lawDensity, theoryFor, ntkLimit } from 'ntk-lab/theory';
 *   hermite('relu').mu1;                                   // 0.5
 *   const mp = lawDensity(marchenkoPastur({ ratio: 0.5 })); // x, density, atoms, support, cdf
 *   const t = await theoryFor(net, x, { kernel: 'ntk' });   // the law that applies, as an Arrow table too
 *   const T = ntkLimit(net, x);                              // the NTK of net's architecture at infinite width (float64)
 *
 * The 'ntk-lab/theory' entry. Internal (imported from their modules): the Stieltjes fixed-point solver
 * (StieltjesSolver; lawDensity runs it), the linear-width fixed point the Fan-Wang laws are built on
 * (linearWidthProblem), the Hermite recurrence's buffer-filling helper (hermitePolynomials), the kink-splitting
 * quadrature rule behind gaussianExpectation (gaussianRule), the activation normaliser (activationSpec; the
 * ActivationSpec type stays public: every function that takes an activation takes one), and the pieces of the
 * infinite-width recursion (limits/dual-map's DualMap, limits/rules' quadrature rules, limits/recursion's
 * infiniteWidthRecursion on float64 matrices).
 */
export { hermite } from './hermite';
export type { HermiteExpansion, HermiteOptions } from './hermite';
export type { ActivationSpec } from './activation';
export { gaussHermite, gaussLegendre, gaussianExpectation } from './quadrature';
export type { QuadratureRule } from './quadrature';
export { expectedKernel, expectedPair } from './dual-kernel';
export type { DualOf } from './dual-kernel';
export { discreteMeasure, pointMass } from './measure';
export type { DiscreteMeasure } from './measure';
export type { SpectralLaw, FixedPointProblem } from './law';
export type { Complex } from './complex';
export { lawDensity } from './density';
export type { LawDensity, LawDensityOptions, Atom } from './density';
export { marchenkoPastur, marchenkoPasturDensity } from './marchenko-pastur';
export type { MarchenkoPasturParams } from './marchenko-pastur';
export { semicircle, semicircleDensity, deformedSemicircle } from './wang-zhu';
export type { DeformedSemicircleParams } from './wang-zhu';
export { fanWangCk, fanWangNtk, fanWangNtkCoefficients } from './fan-wang';
export type { FanWangCkParams, FanWangNtkParams, FanWangInput, FanWangLayer } from './fan-wang';
export { theoryFor } from './theory-for';
export type { TheoryOptions, TheoryResult, AssumptionCheck } from './theory-for';
export { densityTable, lawCurve } from './density-table';
export type { DensityCurve } from './density-table';
export { ntkLimit, nngpLimit, ckLimit, infiniteWidthKernels } from './limits/kernels';
export type { LimitOptions, CkLimitOptions } from './limits/kernels';
export { limitLayers } from './limits/layers';
export type { LimitLayer, LimitModel } from './limits/layers';
export type { InfiniteWidthKernels } from './limits/recursion';
export { LimitKernel } from './limits/limit-kernel';
export { ConvergenceError } from './errors';
