/** One-call writers for the command line and scripts: a whole result to one file. */
import type { RecordBatch } from 'apache-arrow';
import type { Kernel } from '../ntk/kernel';
import { kernelStream, KernelStreamOptions } from './kernels';
import type { RunMeta } from './metadata';
import { resultSchema, ResultColumns, ResultKind } from './schemas';
import type { FileSummary, IpcFileSinkOptions } from './sinks/file';
import { ResultStream, ResultStreamOptions } from './stream';

/** Options of writeKernels. */
export interface WriteKernelsOptions extends KernelStreamOptions, IpcFileSinkOptions {}

/** Writes `kernels` as kernel tiles to `path` (IPC file; '.arrows': IPC stream); resolves when closed. */
export async function writeKernels(path: string, kernels: readonly Kernel[], meta: RunMeta = {}, options: WriteKernelsOptions = {}): Promise<FileSummary> {
  return kernelStream(kernels, meta, options).toFile(path, options);
}

/** Options of writeResult. */
export interface WriteResultOptions extends ResultStreamOptions, IpcFileSinkOptions {
  /** Kind-specific schema metadata, e.g. densityMetadata(laws) for a density. */
  extra?: Readonly<Record<string, string>>;
}

/** Writes the batches of a result of `kind` (built with spectrumBatch, densityBatch, ...) to `path`. */
export async function writeResult<K extends ResultKind>(
  path: string,
  kind: K,
  batches: Iterable<RecordBatch<ResultColumns[K]>> | AsyncIterable<RecordBatch<ResultColumns[K]>>,
  meta: RunMeta = {},
  options: WriteResultOptions = {},
): Promise<FileSummary> {
  return new ResultStream(resultSchema(kind, meta, options.extra), batches, options).toFile(path, options);
}
