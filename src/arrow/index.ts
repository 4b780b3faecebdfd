/**
 * ntk-lab results as Apache Arrow: one schema per result kind, ResultStream (batches as they are
 * computed, fed to several sinks at once), IPC writers and checked readers. Column docs: docs/arrow-schemas.md.
 *
 *   await writeKernels('ntk.arrow', [ntk, ...components], { params: { widths: [784, 512, 1] }, seed: 0 });
 *   const kernels = await readKernels('ntk.arrow');
 */
export { PRODUCER, SCHEMA_VERSION, META, runMetadata } from './metadata';
export type { JsonValue, RunMeta, StreamStatus, ResultMetadata } from './metadata';
export { RESULT_KINDS, isResultKind, resultFields, resultSchema, checkSchema } from './schemas';
export type { ResultColumns, ResultKind } from './schemas';

export { KERNEL_TILE_FIELDS, kernelTileBatch, kernelGrid } from './kinds/kernel-tiles';
export type { KernelTileColumns, KernelDescriptor, KernelTile } from './kinds/kernel-tiles';
export { SPECTRUM_FIELDS, spectrumBatch } from './kinds/spectrum';
export type { SpectrumColumns, SpectrumInput } from './kinds/spectrum';
export { DENSITY_FIELDS, LAWS_KEY, densityBatch, densityMetadata, densityLaws } from './kinds/density';
export type { DensityColumns, DensityInput, DensityLaw, LawSpec } from './kinds/density';
export { ALIGNMENT_FIELDS, alignmentBatch } from './kinds/alignment';
export type { AlignmentColumns, AlignmentInput } from './kinds/alignment';
export { ONE_STEP_SWEEP_FIELDS, oneStepSweepBatch } from './kinds/one-step-sweep';
export type { OneStepSweepColumns, OneStepSweepRow } from './kinds/one-step-sweep';
export { RIDGE_RISK_FIELDS, ridgeRiskBatch } from './kinds/ridge-risk';
export type { RidgeRiskColumns, RidgeRiskRow } from './kinds/ridge-risk';
export { LAYERWISE_FIELDS, layerwiseBatch, layerwiseRows } from './kinds/layerwise';
export type { LayerwiseColumns, LayerwiseRow } from './kinds/layerwise';

export { ResultStream } from './stream';
export type { ResultStreamOptions } from './stream';
export type { ResultSink, SinkResult } from './sink';
export { TableSink } from './sinks/table';
export { IpcFileSink } from './sinks/file';
export type { FileSummary, IpcFileSinkOptions } from './sinks/file';
export { CallbackSink } from './sinks/callback';
export type { BatchCallback, BatchProgress } from './sinks/callback';
export { IpcEncoder } from './ipc-encoder';
export type { IpcFormat } from './ipc-encoder';

export { kernelTileBatches, kernelStream, kernelsFromTable } from './kernels';
export { ntkTileStream } from './ntk-tiles';
export type { KernelTileOptions, KernelStreamOptions, KernelsFromTableOptions } from './kernels';
export { writeKernels, writeResult } from './write';
export type { WriteKernelsOptions, WriteResultOptions } from './write';
export { readResults, resultsFromBytes, readKernels } from './read';
export type { ResultTable, AnyResultTable, ReadKernelsOptions } from './read';
