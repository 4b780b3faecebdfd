/**
 * ntk-lab's spectra: eigen-spectra of empirical kernels (dense LAPACK up to n ~ 8000, Lanczos on a matrix or an
 * NTK-vector product beyond), the empirical spectral distribution, spikes, condition number, effective rank,
 * and distances to the limiting laws of ../theory. Results come as typed arrays and as Arrow tables.
 *
 *   import { spectrum, topSpectrum } from 'ntk-lab/spectra';
 *   const s = await spectrum(await ntkLayerwise(net, x), { vectors: 'spikes' });  // NTK and its components
 *   const top = await topSpectrum((v) => ntkVp(net, x, v), { n: 20000, k: 10, tol: 1e-6 });  // no kernel formed
 *   const op = await TileStoreOperator.open('runs/k100k');     // 'ntk-lab/tiles': a kernel on disk as a BlockOperator
 *   await blockTopEigen(op, { k: 10, block: 16 }); await slq(op, { probes: 16, steps: 50 });  // one pass serves a block
 *
 * The 'ntk-lab/spectra' entry: everything here is public. Internal (in their modules): the symmetry check and
 * the eigen-decomposition core that spectrum() and symmetricEigen share (./eigen), and the quantile helper (./esd).
 */
export { spectrum, topSpectrum } from './spectrum';
export type { SpectrumOptions, SpectrumResult, KernelSpectrum, TopSpectrumOptions } from './spectrum';
export { lanczos } from './lanczos';
export type { LanczosOptions, LanczosResult } from './lanczos';
export { matrixOperator } from './operator';
export type { SymmetricOperator } from './operator';
export { symmetricEigen, topEigenvectors } from './eigen';
export type { EigenOptions, EigenResult } from './eigen';
export { histogram, kde } from './esd';
export type { EsdOptions, Histogram, Kde } from './esd';
export { detectSpikes } from './spikes';
export type { SpikeOptions, Spikes } from './spikes';
export { summarize } from './summary';
export type { SpectrumSummary } from './summary';
export { ksDistance, wasserstein1 } from './distance';
export type { DistanceOptions } from './distance';
export { denseBlockOperator } from './block-operator';
export type { BlockOperator } from './block-operator';
export { blockTopEigen } from './block-krylov';
export type { BlockEigenOptions, BlockEigenResult } from './block-krylov';
export { slq, slqDistance, slqDensityTable } from './slq';
export type { SlqOptions, SlqResult } from './slq';
export { hutchpp } from './hutchpp';
export type { HutchppOptions, HutchppResult } from './hutchpp';
