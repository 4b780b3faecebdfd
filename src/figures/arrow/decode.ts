/**
 * One comm buffer -> one batch of plot data. The buffer must be a complete Arrow IPC stream (schema,
 * record batches, end; or a complete IPC file) of the expected result kind, written by ntk-lab, with the columns the widget
 * reads in the expected types and the row count the message announced. Anything else (not Arrow, cut
 * short, another kind, a newer schema, a missing column) is a WidgetDataError that names what is wrong.
 */
import { Data, DataType, Field, Float, Int, List, Precision, RecordBatch, RecordBatchReader, Schema, Type, Vector } from 'apache-arrow';
import { WidgetDataError } from './errors';
import { ColumnType, FRONTEND_SCHEMA_VERSION, KIND_COLUMNS, KindColumns, WidgetKind } from './kinds';

/** A decoded batch: its rows as typed columns, plus the schema metadata (run parameters, ...). */
export interface DecodedBatch<K extends WidgetKind = WidgetKind> {
  kind: K;
  rows: number;
  columns: KindColumns<K>;
  metadata: ReadonlyMap<string, string>;
}

/** Decodes `bytes` as a batch of `kind`; `rows`, when given, is the row count the sender announced. */
export function decodeBatch<K extends WidgetKind>(bytes: Uint8Array, kind: K, rows?: number): DecodedBatch<K> {
  if (!(bytes instanceof Uint8Array)) throw new WidgetDataError(`expected the batch's bytes, got ${describeValue(bytes)}`);
  if (bytes.byteLength < 8) throw new WidgetDataError(`buffer of ${bytes.byteLength} bytes is too short to be an Arrow IPC stream`);
  if (isFileFormat(bytes)) {
    if (!endsWithMagic(bytes)) throw new WidgetDataError(`Arrow IPC file of ${bytes.byteLength} bytes lacks its closing 'ARROW1' magic: truncated`);
  } else {
    if (!(bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff)) {
      throw new WidgetDataError(`not an Arrow IPC stream: it starts with bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}, not ff ff ff ff`);
    }
    if (!endsWithEos(bytes)) throw new WidgetDataError(`buffer of ${bytes.byteLength} bytes ends without Arrow's end-of-stream marker: truncated`);
  }
  let schema: Schema;
  let batches: RecordBatch[];
  try {
    // open() reads the schema message; readAll() closes the reader, which forgets its schema.
    const reader = RecordBatchReader.from(bytes).open();
    schema = reader.schema;
    batches = reader.readAll();
  } catch (e) {
    throw new WidgetDataError(`not a readable Arrow IPC stream (truncated or corrupt?): ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!schema) throw new WidgetDataError('not an Arrow IPC stream: no schema message');
  checkMetadata(schema, kind);
  const total = batches.reduce((s, b) => s + b.numRows, 0);
  if (rows !== undefined && total !== rows) {
    throw new WidgetDataError(`the batch announced ${rows} rows but its buffer holds ${total}: truncated or corrupt`);
  }
  const want = KIND_COLUMNS[kind] as Record<string, ColumnType>;
  const columns: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(want)) {
    const index = schema.fields.findIndex((f) => f.name === name);
    if (index < 0) throw new WidgetDataError(`a '${kind}' batch needs a column '${name}' (${type}); found: ${schema.fields.map((f) => f.name).join(', ')}`);
    checkType(schema.fields[index], type, kind);
    const chunks = batches.map((b) => b.getChildAt(index) as Vector);
    columns[name] = readColumn(chunks, type, total, name);
  }
  return { kind, rows: total, columns: columns as KindColumns<K>, metadata: schema.metadata };
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // 'ARROW1'

/** True for the IPC file format (an .arrow file's bytes), which the reader also takes. */
function isFileFormat(b: Uint8Array): boolean {
  return MAGIC.every((m, i) => b[i] === m);
}

function endsWithMagic(b: Uint8Array): boolean {
  return MAGIC.every((m, i) => b[b.byteLength - 6 + i] === m);
}

/** True when the bytes end in the end-of-stream marker: continuation 0xFFFFFFFF then length 0 (or, pre-1.0, length 0 alone). */
function endsWithEos(b: Uint8Array): boolean {
  const n = b.byteLength;
  const zero4 = b[n - 1] === 0 && b[n - 2] === 0 && b[n - 3] === 0 && b[n - 4] === 0;
  const cont = b[n - 5] === 0xff && b[n - 6] === 0xff && b[n - 7] === 0xff && b[n - 8] === 0xff;
  return zero4 && (cont || n % 8 === 4);
}

function checkMetadata(schema: Schema, kind: WidgetKind): void {
  const m = schema.metadata;
  if (m.get('producer') !== 'ntk-lab') throw new WidgetDataError(`not an ntk-lab result (producer ${JSON.stringify(m.get('producer') ?? null)})`);
  const got = m.get('result_kind');
  if (got !== kind) throw new WidgetDataError(`expected a '${kind}' result, got '${got ?? 'none'}'`);
  const version = Number(m.get('schema_version'));
  if (!Number.isInteger(version) || version > FRONTEND_SCHEMA_VERSION) {
    throw new WidgetDataError(`schema version ${m.get('schema_version') ?? 'missing'} is newer than this front end knows (${FRONTEND_SCHEMA_VERSION}): update the ntk-lab-widgets extension`);
  }
}

function typeOk(t: DataType, want: ColumnType): boolean {
  switch (want) {
    case 'f64':
      return t.typeId === Type.Float && (t as Float).precision === Precision.DOUBLE;
    case 'f32':
      return t.typeId === Type.Float && (t as Float).precision === Precision.SINGLE;
    case 'i32':
      return t.typeId === Type.Int && (t as Int).bitWidth === 32 && (t as Int).isSigned;
    case 'i64':
      return t.typeId === Type.Int && (t as Int).bitWidth === 64 && (t as Int).isSigned;
    case 'utf8':
      return t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8;
    case 'bool':
      return t.typeId === Type.Bool;
    case 'list<f32>':
      return t.typeId === Type.List && typeOk((t as List).children[0].type, 'f32');
    case 'list<i32>':
      return t.typeId === Type.List && typeOk((t as List).children[0].type, 'i32');
  }
}

function checkType(field: Field, want: ColumnType, kind: WidgetKind): void {
  if (!typeOk(field.type, want)) throw new WidgetDataError(`column '${field.name}' of a '${kind}' batch is ${String(field.type)}, expected ${want}`);
}

function hasNulls(chunks: readonly Vector[]): boolean {
  return chunks.some((c) => c.nullCount > 0);
}

// Copies into fresh arrays: the plot keeps columns for the widget's life, the comm's buffer need not stay.
function readColumn(chunks: readonly Vector[], type: ColumnType, total: number, name: string): unknown {
  if (hasNulls(chunks)) throw new WidgetDataError(`column '${name}' holds nulls; ntk-lab columns are non-nullable (NaN marks a missing number)`);
  switch (type) {
    case 'f64':
    case 'f32':
    case 'i32': {
      const out = type === 'f64' ? new Float64Array(total) : type === 'f32' ? new Float32Array(total) : new Int32Array(total);
      let at = 0;
      for (const c of chunks) {
        for (const d of c.data) {
          out.set(d.values.subarray(d.offset, d.offset + d.length) as never, at);
          at += d.length;
        }
      }
      return out;
    }
    case 'i64': {
      const out = new Float64Array(total);
      let at = 0;
      for (const c of chunks) for (let i = 0; i < c.length; i++) out[at++] = Number(c.get(i) as bigint);
      return out;
    }
    case 'utf8':
    case 'bool': {
      const out: unknown[] = [];
      for (const c of chunks) for (let i = 0; i < c.length; i++) out.push(c.get(i));
      return out;
    }
    case 'list<f32>':
      return readLists(chunks, (n) => new Float32Array(n));
    case 'list<i32>':
      return readLists(chunks, (n) => new Int32Array(n));
  }
}

function readLists<A extends Float32Array | Int32Array>(chunks: readonly Vector[], make: (n: number) => A): A[] {
  const out: A[] = [];
  for (const c of chunks) {
    for (const d of c.data as Data<DataType<Type.List>>[]) {
      const child = d.children[0];
      const values = child.values as A;
      for (let i = 0; i < d.length; i++) {
        const start = d.valueOffsets[d.offset + i];
        const end = d.valueOffsets[d.offset + i + 1];
        const row = make(end - start);
        row.set(values.subarray(child.offset + start, child.offset + end) as never);
        out.push(row);
      }
    }
  }
  return out;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}
