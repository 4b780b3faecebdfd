/**
 * ntk-lab results as Apache Arrow: one schema per result kind, ResultStream (batches as they are
 * computed, fed to several sinks at once), IPC writers and checked readers. Column docs: docs/arrow-schemas.md.
 *
 *   import { writeKernels, readKernels } from 'ntk-lab/arrow';
 *   await writeKernels('ntk.arrow', [ntk, ...components], { params: { widths: [784, 512, 1] }, seed: 0 });
 *   const kernels = await readKernels('ntk.arrow');
 *
 * The 'ntk-lab/arrow' entry. Internal, imported from their own modules by the code that needs them: the
 * metadata key table and producer name (META, PRODUCER; ./metadata), runMetadata (resultSchema builds it), the
 * per-kind column lists (*_FIELDS: resultFields(kind) gives them), the kernel-tile grid helper (kernelGrid) and
 * the density table's metadata writer (densityMetadata, LAWS_KEY: densityLaws reads them back), and the readers'
 * schema check (checkSchema: readResults applies it).
 */
export { SCHEMA_VERSION } from './metadata';
export type { JsonValue, RunMeta, StreamStatus, ResultMetadata } from './metadata';
export { RESULT_KINDS, isResultKind, resultFields, resultSchema } from './schemas';
export type { ResultColumns, ResultKind } from './schemas';

export { kernelTileBatch } from './kinds/kernel-tiles';
export type { KernelTileColumns, KernelDescriptor, KernelTile } from './kinds/kernel-tiles';
export { spectrumBatch } from './kinds/spectrum';
export type { SpectrumColumns, SpectrumInput } from './kinds/spectrum';
export { densityBatch, densityLaws } from './kinds/density';
export type { DensityColumns, DensityInput, DensityLaw, LawSpec } from './kinds/density';
export { alignmentBatch } from './kinds/alignment';
export type { AlignmentColumns, AlignmentInput } from './kinds/alignment';
export { oneStepSweepBatch } from './kinds/one-step-sweep';
export type { OneStepSweepColumns, OneStepSweepRow } from './kinds/one-step-sweep';
export { ridgeRiskBatch } from './kinds/ridge-risk';
export type { RidgeRiskColumns, RidgeRiskRow } from './kinds/ridge-risk';
export { layerwiseBatch, layerwiseRows } from './kinds/layerwise';
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
