/**
 * Resumable tile jobs (the 'ntk-lab/tiles' entry): a kernel too large for one machine or one run, cut into tiles
 * that any worker computes from a self-contained job folder, on this machine or a cluster. docs/tiles.md.
 *
 *   import { planTileJob, TileJob, runLocal, jobStatus, assembleJob } from 'ntk-lab/tiles';
 *   await planTileJob('runs/k', net, x, undefined, { tile: 1024 });
 *   await runLocal('runs/k', { workers: 4 });            // resumable: rerun after a crash or Ctrl-C
 *   await assembleJob(await TileJob.open('runs/k'), 'K.npy');
 *
 * Seams for what is not here yet: another executor only has to run `runTile(job, K)` (or the CLI worker) once per
 * index K. Matrix-free work on a finished job: `TileStoreOperator` (K V for a block of vectors, exact statistics, streamed
 * from the tiles; spectra by blockTopEigen / slq of 'ntk-lab/spectra') `kernelRidgeOnStore` (preconditioned CG) and
 * `gradientDescentOnStore` (gradient flow at finite times, by Lanczos).
 */
export { planTileJob } from './plan';
export type { PlanTileJobOptions } from './plan';
export { TileJob } from './job';
export type { OpenTileJobOptions, Temporary } from './job';
export { JOB_FORMAT, JOB_SCHEMA_VERSION } from './manifest';
export type { TileJobManifest, JobKernel, FileHash } from './manifest';
export { tileGrid, tileAt } from './grid';
export type { TileGridSpec, TileRef, BlockRange } from './grid';
export type { TileRecord, TileState, VerifyLevel } from './tile-record';
export { runTile, indexFromEnvironment } from './worker';
export type { RunTileOptions, TileOutcome } from './worker';
export { runLocal } from './local-executor';
export type { LocalRunOptions, LocalRunEvent, LocalRunSummary } from './local-executor';
export { runRay } from './ray-executor';
export type { RayRunOptions, RayRunResult, RayRunSummary, RayTileRun, RayNode } from './ray-executor';
export { RayUnavailableError } from './ray/errors';
export { kubernetesJob, slurmScript } from './cluster';
export type { KubernetesJobOptions, SlurmScriptOptions } from './cluster';
export { toYaml } from './yaml';
export { jobStatus } from './status';
export type { JobStatus, JobStatusOptions, TileProblem } from './status';
export { assembleJob } from './assemble';
export type { AssembleOptions, AssembleResult } from './assemble';
export { readKernelBlock, readNpyInfo } from './npy';
export type { KernelBlock, NpyInfo } from './npy';
export { TileStoreOperator } from './store-operator';
export type { TileStoreOptions, StorePassEvent, KernelStats } from './store-operator';
export type { TileVerify } from './tile-block';
export { kernelRidgeOnStore } from './store-ridge';
export type { StoreRidgeOptions, StoreRidgeResult } from './store-ridge';
export { gradientDescentOnStore } from './store-gd';
export type { StoreGdOptions, StoreGdResult, CrossOperator } from './store-gd';
export { readNpyMatrix, writeNpyMatrix } from './npy-matrix';
export { saveModel, loadModel } from './model-io';
export type { SavedModelInfo, SavedModelKind, LoadedModel } from './model-io';
export { JobFormatError, JobIntegrityError, TileIndexError, TileWriteError, JobIncompleteError } from './errors';
