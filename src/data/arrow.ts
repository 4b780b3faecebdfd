/**
 * Arrow IPC files and streams (pyarrow's `feather.write_feather`, `ipc.new_file`, `ipc.new_stream`; polars'
 * `write_ipc`) as tables, and tables as features + labels. Feature columns: any integer, float (float16 included)
 * or bool column, and vector columns: fixed_size_list<number>[k], or list<number> whose rows all have k values.
 * Label columns: integers, floats, strings or dictionary-encoded strings. Nulls are refused (DataFormatError).
 */
import { Data, DataType, FixedSizeList, Float, Precision, Table, tableFromIPC, Type, Vector } from 'apache-arrow';
import { DataFormatError } from './errors';
import { halfToFloat } from './ndarray';
import { sourceBytes, ByteSource } from './source';
import { Dataset, TableColumn, TableOptions, toDataset } from './columns';

/** Reads an Arrow IPC file or stream (a path or its bytes) as an apache-arrow Table. */
export async function readArrowTable(source: ByteSource): Promise<Table> {
  const { bytes, label } = await sourceBytes(source);
  // Arrow's readers want 8-byte aligned buffers.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  try {
    return tableFromIPC(aligned);
  } catch (e) {
    throw new DataFormatError(`${label}: not an Arrow IPC file or stream (${(e as Error).message})`);
  }
}

function isNumeric(t: DataType): boolean {
  return t.typeId === Type.Int || t.typeId === Type.Float || t.typeId === Type.Bool;
}

/** Values [start, start + count) of a primitive (int, float, bool) data chunk as float64. */
function primitive(d: Data, start: number, count: number, out: Float64Array, at: number, what: string): void {
  if (d.nullCount > 0) throw new DataFormatError(`${what} has nulls`);
  const t = d.type as DataType;
  const from = d.offset + start;
  if (t.typeId === Type.Bool) {
    const bits = d.values as Uint8Array;
    for (let i = 0; i < count; i++) out[at + i] = (bits[(from + i) >> 3] >> ((from + i) & 7)) & 1;
    return;
  }
  const values = d.values as ArrayLike<number | bigint>;
  if (t.typeId === Type.Float && (t as Float).precision === Precision.HALF) {
    for (let i = 0; i < count; i++) out[at + i] = halfToFloat(values[from + i] as number);
    return;
  }
  for (let i = 0; i < count; i++) out[at + i] = Number(values[from + i]);
}

/** One Arrow column as a TableColumn (numeric, vector or string); `what` names it in errors. */
function column(name: string, vector: Vector, what: string): TableColumn | undefined {
  const t = vector.type as DataType;
  const n = vector.length;
  if (isNumeric(t)) {
    const values = new Float64Array(n);
    let row = 0;
    for (const d of vector.data) {
      primitive(d, 0, d.length, values, row, what);
      row += d.length;
    }
    return { name, kind: 'numeric', width: 1, integer: t.typeId !== Type.Float, values };
  }
  if (t.typeId === Type.FixedSizeList || t.typeId === Type.List || t.typeId === Type.LargeList) {
    const child = t.children[0].type as DataType;
    if (!isNumeric(child)) return undefined;
    let width = t.typeId === Type.FixedSizeList ? (t as FixedSizeList).listSize : -1;
    const parts: Float64Array[] = [];
    for (const d of vector.data) {
      if (d.nullCount > 0) throw new DataFormatError(`${what} has null rows`);
      const c = d.children[0];
      if (t.typeId === Type.FixedSizeList) {
        const part = new Float64Array(d.length * width);
        primitive(c, d.offset * width, d.length * width, part, 0, `${what}'s values`);
        parts.push(part);
      } else {
        const offsets = d.valueOffsets as ArrayLike<number | bigint>;
        for (let r = 0; r < d.length; r++) {
          const a = Number(offsets[d.offset + r]);
          const len = Number(offsets[d.offset + r + 1]) - a;
          if (width < 0) width = len;
          if (len !== width) throw new DataFormatError(`${what}: row lengths differ (${width} and ${len}): a vector column needs the same length in every row`);
          const part = new Float64Array(len);
          primitive(c, a, len, part, 0, `${what}'s values`);
          parts.push(part);
        }
      }
    }
    const values = new Float64Array(n * Math.max(width, 0));
    let at = 0;
    for (const p of parts) {
      values.set(p, at);
      at += p.length;
    }
    return { name, kind: 'numeric', width: Math.max(width, 0), integer: child.typeId !== Type.Float, values };
  }
  if (t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8 || t.typeId === Type.Dictionary) {
    if (vector.nullCount > 0) throw new DataFormatError(`${what} has nulls`);
    const values: string[] = [];
    for (let i = 0; i < n; i++) values.push(String(vector.get(i)));
    return { name, kind: 'string', values };
  }
  return undefined;
}

/**
 * `table`'s columns as features x (n x d float32) and labels y (see TableOptions and Dataset). Columns of other
 * types (timestamps, structs, ...) are skipped unless named, and then refused.
 */
export function tableDataset(table: Table, options: TableOptions = {}, label = 'table'): Dataset {
  const columns: TableColumn[] = [];
  const wanted = new Set([...(options.features ?? []), ...(options.label === undefined ? [] : [options.label])]);
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name);
    if (!vector) continue;
    const c = column(field.name, vector, `${label}: column '${field.name}'`);
    if (c) columns.push(c);
    else if (wanted.has(field.name)) throw new DataFormatError(`${label}: column '${field.name}' has type ${field.type}, which is not numbers, a vector of numbers, or strings`);
  }
  return toDataset(columns, options, label);
}

/** Reads an Arrow IPC file or stream straight into features and labels (readArrowTable, then tableDataset). */
export async function readArrowDataset(source: ByteSource, options: TableOptions = {}): Promise<Dataset> {
  const table = await readArrowTable(source);
  return tableDataset(table, options, typeof source === 'string' ? source : 'bytes');
}

