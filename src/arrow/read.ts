/**
 * Reading results back: bytes -> checked, typed table. Every check that fails throws ArrowFormatError
 * naming the file and the problem; nothing returns a table that silently lacks rows.
 */
import { readFile } from 'node:fs/promises';
import { Data, RecordBatch, RecordBatchReader, Schema, Table } from 'apache-arrow';
import { ArrowFormatError } from '../errors';
import type { Kernel } from '../ntk/kernel';
import type { IpcFormat } from './ipc-encoder';
import { sniffIpc } from './ipc-sniff';
import { kernelsFromTable, KernelsFromTableOptions } from './kernels';
import { META, parseRunMetadata, parseStatus, ResultMetadata, StreamStatus, withStatus } from './metadata';
import { checkSchema, isResultKind, RESULT_KINDS, ResultColumns, ResultKind } from './schemas';

/** A result read back: its kind, its table (schema metadata includes the end status) and parsed metadata. */
export interface ResultTable<K extends ResultKind> {
  kind: K;
  table: Table<ResultColumns[K]>;
  meta: ResultMetadata;
  format: IpcFormat;
}

/** A result of any kind; switch on `kind` to get the typed table. */
export type AnyResultTable = { [K in ResultKind]: ResultTable<K> }[ResultKind];

/** Reads an ntk-lab result file (IPC file or stream); with `kind`, also checks it is a result of that kind. */
export async function readResults(path: string): Promise<AnyResultTable>;
export async function readResults<K extends ResultKind>(path: string, kind: K): Promise<ResultTable<K>>;
export async function readResults(path: string, kind?: ResultKind): Promise<AnyResultTable> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new ArrowFormatError(`${path}: cannot read the file (${(e as Error).message})`);
  }
  return kind === undefined ? resultsFromBytes(bytes, path) : (resultsFromBytes(bytes, path, kind) as AnyResultTable);
}

/** Like readResults, from bytes in memory (a comm message, a download); `where` names them in errors. */
export function resultsFromBytes(bytes: Uint8Array, where?: string): AnyResultTable;
export function resultsFromBytes<K extends ResultKind>(bytes: Uint8Array, where: string | undefined, kind: K): ResultTable<K>;
export function resultsFromBytes(input: Uint8Array, where = '<bytes>', kind?: ResultKind): AnyResultTable {
  const format = sniffIpc(input, where);
  // Arrow views float columns in place; a Buffer from Node's pool may start at an odd offset.
  // (new Uint8Array(x) copies; Buffer#slice would not.)
  const bytes = input.byteOffset % 8 === 0 ? input : new Uint8Array(input);
  const { schema, batches } = decode(bytes, format, where);

  const headerStatus = parseStatus(schema.metadata, where);
  let data = batches;
  let status: StreamStatus | undefined = headerStatus;
  const last = batches[batches.length - 1];
  if (format === 'stream' && last && last.numRows === 0 && last.metadata.get(META.status) === 'final') {
    data = batches.slice(0, -1);
    status = parseStatus(last.metadata, `${where} (status batch)`);
  }
  // The producer check comes first so that a foreign file is called foreign, not 'incomplete'.
  const meta = parseRunMetadata(schema.metadata, status ?? placeholderStatus(), where);
  if (!isResultKind(meta.kind)) {
    throw new ArrowFormatError(`${where}: unknown result kind '${meta.kind}' (metadata '${META.kind}'); known: ${RESULT_KINDS.join(', ')}`);
  }
  if (kind !== undefined && meta.kind !== kind) {
    throw new ArrowFormatError(`${where}: holds a '${meta.kind}' result, expected '${kind}'`);
  }
  checkSchema(meta.kind, schema, where);
  if (!status) {
    throw new ArrowFormatError(
      `${where}: no completion status (metadata '${META.complete}' in the ${format === 'file' ? 'schema' : 'final status batch'}); cannot tell whether rows are missing`,
    );
  }
  checkCounts(data, status, where);
  checkNoNulls(schema, data, where);

  const full = new Schema(schema.fields, withStatus(schema.metadata, status));
  const table = new Table(full, data.map((b) => new RecordBatch(full, b.data, b.metadata)));
  return { kind: meta.kind, table, meta: { ...meta, status }, format } as AnyResultTable;
}

/** Options of readKernels. */
export type ReadKernelsOptions = KernelsFromTableOptions;

/** Reads a 'kernel-tiles' file and reassembles its kernels, in the order they were written. */
export async function readKernels(path: string, options: ReadKernelsOptions = {}): Promise<Kernel[]> {
  const { table } = await readResults(path, 'kernel-tiles');
  return kernelsFromTable(table, { ...options, where: path });
}

function decode(bytes: Uint8Array, format: IpcFormat, where: string): { schema: Schema; batches: RecordBatch[] } {
  try {
    const reader = RecordBatchReader.from(bytes);
    reader.open();
    // Read these before readAll: reaching the end resets the reader and forgets them.
    const schema = reader.schema;
    const listed = reader.numRecordBatches;
    // apache-arrow yields a placeholder subclass of RecordBatch for a file without batches: not data.
    const batches = reader.readAll().filter((b) => b.constructor === RecordBatch);
    if (!schema) throw new ArrowFormatError(`${where}: the Arrow IPC ${format} holds no schema`);
    if (format === 'file' && listed !== batches.length) {
      throw new ArrowFormatError(`${where}: the footer lists ${listed} batches, ${batches.length} could be read`);
    }
    return { schema, batches };
  } catch (e) {
    if (e instanceof ArrowFormatError) throw e;
    const message = (e as Error).message ?? String(e);
    const hint = /codec/i.test(message) ? '; ntk-lab reads uncompressed IPC: write it with compression=None' : '';
    throw new ArrowFormatError(`${where}: cannot decode the Arrow IPC ${format} (${message})${hint}`);
  }
}

// The status is read after the producer check; until then a stand-in lets parseRunMetadata run.
function placeholderStatus(): StreamStatus {
  return { complete: false, cancelled: false, batches: 0, rows: 0, finishedAt: new Date(0) };
}

function checkCounts(batches: readonly RecordBatch[], status: StreamStatus, where: string): void {
  const rows = batches.reduce((s, b) => s + b.numRows, 0);
  if (batches.length !== status.batches || rows !== status.rows) {
    throw new ArrowFormatError(
      `${where}: holds ${batches.length} batches / ${rows} rows, but its status records ${status.batches} / ${status.rows}: batches are missing or extra`,
    );
  }
}

// ntk-lab marks missing numbers with NaN, never null; a null comes from a foreign or damaged writer.
function checkNoNulls(schema: Schema, batches: readonly RecordBatch[], where: string): void {
  const nulls = (d: Data): number => d.nullCount + d.children.reduce((s, c) => s + nulls(c), 0);
  batches.forEach((b, i) =>
    b.data.children.forEach((c, j) => {
      const n = nulls(c);
      if (n > 0) throw new ArrowFormatError(`${where}: column '${schema.fields[j].name}' has ${n} nulls in batch ${i}; ntk-lab results have none`);
    }),
  );
}
