/**
 * Parquet files as features + labels, through hyparquet (pure JavaScript, no install script, no dependencies):
 * uncompressed and snappy (pyarrow's default) by hyparquet itself, gzip and brotli through node:zlib, zstd where
 * this Node's zlib has it (Node >= 22.15). Columns become a Dataset exactly as Arrow's do (see TableOptions):
 * numbers, bools, lists of numbers of one length (vector columns), string labels. Nulls are refused.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';
import { Dataset, TableColumn, TableOptions, toDataset } from './columns';
import { DataFormatError } from './errors';
import { ByteSource, sourceBytes } from './source';

type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;
interface AsyncBuffer {
  byteLength: number;
  slice(start: number, end?: number): ArrayBuffer;
}
interface SchemaNode {
  element: { name: string; type?: string };
  children: SchemaNode[];
}
/** The part of hyparquet's API used here (it is an ES module, loaded with import()). */
interface Hyparquet {
  parquetMetadataAsync(file: AsyncBuffer): Promise<unknown>;
  parquetSchema(metadata: unknown): SchemaNode;
  parquetReadObjects(options: { file: AsyncBuffer; metadata: unknown; columns?: string[]; rowFormat: 'object'; compressors: Record<string, Decompress> }): Promise<Record<string, unknown>[]>;
}

let loaded: Promise<Hyparquet> | undefined;

function hyparquet(): Promise<Hyparquet> {
  // import() kept as written: TypeScript's CommonJS output would turn a plain import() into require(), which cannot
  // load an ES module on every Node 20.
  if (!loaded) {
    const dynamicImport = new Function('url', 'return import(url)') as (url: string) => Promise<Hyparquet>;
    loaded = dynamicImport(pathToFileURL(createRequire(__filename).resolve('hyparquet')).href);
  }
  return loaded;
}

const zstd = (zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Uint8Array }).zstdDecompressSync;

const COMPRESSORS: Record<string, Decompress> = {
  GZIP: (input) => zlib.gunzipSync(input),
  BROTLI: (input) => zlib.brotliDecompressSync(input),
  ...(zstd && { ZSTD: (input: Uint8Array) => zstd(input) }),
};

/** One parquet column's values (one per row; `integer` from its physical type) as a TableColumn, or undefined when they are not numbers or strings. */
function column(name: string, values: unknown[], integer: boolean, label: string): TableColumn | undefined {
  const n = values.length;
  if (values.some((v) => v === null || v === undefined)) throw new DataFormatError(`${label}: column '${name}' has nulls`);
  const first = values[0];
  const scalar = (v: unknown): v is number | bigint | boolean => typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
  if (n === 0 || scalar(first)) {
    if (!values.every(scalar)) return undefined;
    const out = Float64Array.from(values, (v) => Number(v));
    return { name, kind: 'numeric', width: 1, integer, values: out };
  }
  if (Array.isArray(first) || ArrayBuffer.isView(first)) {
    const rows = values as ArrayLike<unknown>[];
    const width = rows[0].length;
    const out = new Float64Array(n * width);
    for (let r = 0; r < n; r++) {
      const row = rows[r];
      if (row.length !== width) throw new DataFormatError(`${label}: column '${name}': row lengths differ (${width} and ${row.length}): a vector column needs the same length in every row`);
      for (let k = 0; k < width; k++) {
        const v = row[k];
        if (!scalar(v)) throw new DataFormatError(`${label}: column '${name}' row ${r} holds ${v === null ? 'a null' : typeof v}, not a number`);
        out[r * width + k] = Number(v);
      }
    }
    return { name, kind: 'numeric', width, integer, values: out };
  }
  if (typeof first === 'string' && values.every((v) => typeof v === 'string')) return { name, kind: 'string', values: values as string[] };
  return undefined;
}

/**
 * Reads a Parquet file (a path or its bytes) into features x and labels y. A label column stored as int32/int64
 * gives an Int32Array; a float column (even with integral values) a Float32Array. Columns of other types are
 * skipped unless named in `features` or `label`, and then refused.
 */
export async function readParquet(source: ByteSource, options: TableOptions = {}): Promise<Dataset> {
  const { bytes, label } = await sourceBytes(source);
  const file: AsyncBuffer = {
    byteLength: bytes.byteLength,
    slice: (start, end) => bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + (end ?? bytes.byteLength)) as ArrayBuffer,
  };
  const hp = await hyparquet();
  let metadata: unknown;
  try {
    metadata = await hp.parquetMetadataAsync(file);
  } catch (e) {
    throw new DataFormatError(`${label}: not a Parquet file (${(e as Error).message})`);
  }
  const top = hp.parquetSchema(metadata).children;
  const names = top.map((c) => c.element.name);
  // Integer or not from the leaf's physical type (hyparquet hands int32 out as numbers, int64 as bigints).
  const leaf = (node: SchemaNode): SchemaNode => (node.children.length ? leaf(node.children[0]) : node);
  const integer = new Map(top.map((c) => [c.element.name, ['INT32', 'INT64', 'BOOLEAN'].includes(leaf(c).element.type ?? '')]));
  const wanted = new Set([...(options.features ?? []), ...(options.label === undefined ? [] : [options.label])]);
  const read = wanted.size && options.features ? names.filter((n) => wanted.has(n)) : names;
  let rows: Record<string, unknown>[];
  try {
    rows = await hp.parquetReadObjects({ file, metadata, columns: read, rowFormat: 'object', compressors: COMPRESSORS });
  } catch (e) {
    throw new DataFormatError(`${label}: cannot decode (${(e as Error).message}); ntk-lab reads uncompressed, snappy, gzip and brotli Parquet${zstd ? ' and zstd' : ''}`);
  }
  const columns: TableColumn[] = [];
  for (const name of read) {
    const c = column(name, rows.map((r) => r[name]), integer.get(name) ?? false, label);
    if (c) columns.push(c);
    else if (wanted.has(name)) throw new DataFormatError(`${label}: column '${name}' is not numbers, a list of numbers, or strings`);
  }
  return toDataset(columns, options, label);
}
