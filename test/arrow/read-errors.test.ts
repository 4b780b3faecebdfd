/** Acceptance 5: malformed input gives an ArrowFormatError that says what is wrong; never a crash or a partial table. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Field, Float32, Float64, makeData, RecordBatch, Schema, Struct, Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { ArrowFormatError } from '../../src/errors';
import {
  densityBatch, readKernels, readResults, resultsFromBytes, ResultStream, spectrumBatch, SpectrumColumns, writeKernels,
} from '../../src/arrow';
import { DENSITY_FIELDS } from '../../src/arrow/kinds/density';
import { SPECTRUM_FIELDS } from '../../src/arrow/kinds/spectrum';
import { runMetadata } from '../../src/arrow/metadata';
import { makeKernel, tempDir } from './helpers';

const tmp = tempDir();
after(tmp.cleanup);

const isFormatError = (pattern: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof ArrowFormatError, `expected ArrowFormatError, got ${String(e)}`);
  assert.match(e.message, pattern);
  return true;
};

const write = (name: string, bytes: Uint8Array | string): string => {
  const p = join(tmp.dir, name);
  writeFileSync(p, bytes);
  return p;
};

/** A spectrum table with ntk-lab metadata, written by apache-arrow directly (no ntk-lab checks on the way). */
function rawSpectrum(meta: Map<string, string>, fields: readonly Field[] = SPECTRUM_FIELDS, batches?: RecordBatch[]): Uint8Array {
  const schema = new Schema([...fields], meta);
  const data = batches ?? [spectrumBatch({ eigenvalues: [3, 2, 1], kernelKind: 'ntk', label: 'ntk', runId: 'r' })];
  return tableToIPC(new Table(schema, data.map((b) => new RecordBatch(schema, b.data))), 'file');
}

const completeMeta = (rows = 3, batches = 1) =>
  new Map([...runMetadata('spectrum'), ['complete', 'true'], ['batches', String(batches)], ['rows', String(rows)], ['finished', new Date().toISOString()]]);

describe('readers on malformed input', () => {
  let good: Uint8Array;
  let goodStream: Uint8Array;
  before(async () => {
    const batches = [0, 1, 2].map((i) => spectrumBatch({ eigenvalues: [i, 1, 2, 3], kernelKind: 'ck', label: 'ck', runId: 'r' }));
    await new ResultStream(new Schema(SPECTRUM_FIELDS as Field[], runMetadata('spectrum')) as Schema<SpectrumColumns>, batches).toFile(join(tmp.dir, 'good.arrow'));
    await new ResultStream(new Schema(SPECTRUM_FIELDS as Field[], runMetadata('spectrum')) as Schema<SpectrumColumns>, batches).toFile(join(tmp.dir, 'good.arrows'));
    good = readFileSync(join(tmp.dir, 'good.arrow'));
    goodStream = readFileSync(join(tmp.dir, 'good.arrows'));
  });

  it('reads the untouched files (the baseline of the cases below)', async () => {
    assert.equal((await readResults(join(tmp.dir, 'good.arrow'))).table.numRows, 12);
    assert.equal((await readResults(join(tmp.dir, 'good.arrows'))).table.numRows, 12);
  });

  it('a missing file', async () => {
    await assert.rejects(readResults(join(tmp.dir, 'nope.arrow')), isFormatError(/nope\.arrow: cannot read the file \(ENOENT/));
  });

  it('an empty file', async () => {
    await assert.rejects(readResults(write('empty.arrow', new Uint8Array(0))), isFormatError(/the file is empty/));
  });

  it('an IPC file truncated anywhere', async () => {
    for (const cut of [7, 64, Math.floor(good.length / 2), good.length - 7, good.length - 1]) {
      await assert.rejects(readResults(write(`cut-${cut}.arrow`, good.subarray(0, cut))), isFormatError(/truncated Arrow IPC file .*no footer/), `cut at ${cut}`);
    }
  });

  it('an IPC stream truncated anywhere', async () => {
    for (const cut of [4, 100, Math.floor(goodStream.length / 2), goodStream.length - 8, goodStream.length - 1]) {
      await assert.rejects(readResults(write(`cut-${cut}.arrows`, goodStream.subarray(0, cut))), isFormatError(/truncated Arrow IPC stream .*end-of-stream/), `cut at ${cut}`);
    }
  });

  it('a damaged footer', async () => {
    const bad = new Uint8Array(good); // a copy (Buffer#slice would be a view)
    const footerSize = new DataView(bad.buffer, bad.byteOffset).getInt32(bad.length - 10, true);
    bad.fill(0xab, bad.length - 10 - footerSize, bad.length - 10);
    await assert.rejects(readResults(write('bad-footer.arrow', bad)), isFormatError(/cannot decode the Arrow IPC file/));
  });

  it('files from other tools', async () => {
    await assert.rejects(readResults(write('x.parquet', 'PAR1\x15\x04\x15\x00PAR1')), isFormatError(/Parquet file/));
    await assert.rejects(readResults(write('x.csv', 'index,eigenvalue\n0,1.5\n')), isFormatError(/not an Arrow IPC file or stream \(it starts with the text "index,eigenvalue/));
    await assert.rejects(readResults(write('x.bin', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 4]))), isFormatError(/first bytes: 89 50 4e 47/));
    const foreign = tableToIPC(tableFromArrays({ eigenvalue: new Float64Array([1, 2]) }), 'file');
    await assert.rejects(readResults(write('foreign.arrow', foreign)), isFormatError(/not an ntk-lab result \(schema metadata 'producer' is undefined/));
  });

  it('a wrong schema: columns of another kind, a wrong type, a missing column', async () => {
    const batch = densityBatch({ curve: 'c', law: 'empirical', x: [1], density: [1] });
    await assert.rejects(
      readResults(write('density-as-spectrum.arrow', rawSpectrum(completeMeta(1, 1), DENSITY_FIELDS, [batch]))),
      isFormatError(/wrong schema for a 'spectrum' result: 4 columns, expected 5[^]*expected: index: Int32, eigenvalue: Float64/),
    );
    const f32 = SPECTRUM_FIELDS.map((f) => (f.name === 'eigenvalue' ? new Field('eigenvalue', new Float32(), false) : f));
    const spectrum32 = tableToIPC(new Table(new Schema(f32, completeMeta(0, 0)), [] as RecordBatch[]), 'file');
    await assert.rejects(readResults(write('f32.arrow', spectrum32)), isFormatError(/column 'eigenvalue' is Float32, expected Float64/));
    const missing = tableToIPC(new Table(new Schema(SPECTRUM_FIELDS.slice(0, 4), completeMeta(0, 0)), [] as RecordBatch[]), 'file');
    await assert.rejects(readResults(write('missing.arrow', missing)), isFormatError(/5 columns|4 columns, expected 5/));
  });

  it('a result of another kind than asked for', async () => {
    const p = join(tmp.dir, 'good.arrow');
    await assert.rejects(readResults(p, 'kernel-tiles'), isFormatError(/holds a 'spectrum' result, expected 'kernel-tiles'/));
    await assert.rejects(readKernels(p), isFormatError(/expected 'kernel-tiles'/));
  });

  it('a file whose batches disagree with its recorded status (never a silent partial table)', async () => {
    await assert.rejects(readResults(write('short.arrow', rawSpectrum(completeMeta(9, 3)))), isFormatError(/holds 1 batches \/ 3 rows, but its status records 3 \/ 9/));
  });

  it('a file without a completion status, or with a bad one', async () => {
    const noStatus = rawSpectrum(runMetadata('spectrum'));
    await assert.rejects(readResults(write('no-status.arrow', noStatus)), isFormatError(/no completion status/));
    const m = completeMeta();
    m.set('complete', 'yes');
    await assert.rejects(readResults(write('bad-status.arrow', rawSpectrum(m))), isFormatError(/'complete' must be "true" or "false"/));
  });

  it('an unknown kind, a newer schema version, bad params', async () => {
    const kind = completeMeta();
    kind.set('result_kind', 'hessian');
    await assert.rejects(readResults(write('kind.arrow', rawSpectrum(kind))), isFormatError(/unknown result kind 'hessian'/));
    const newer = completeMeta();
    newer.set('schema_version', '99');
    await assert.rejects(readResults(write('newer.arrow', rawSpectrum(newer))), isFormatError(/schema version 99 .* reads up to version 1/));
    const params = completeMeta();
    params.set('params', '{oops');
    await assert.rejects(readResults(write('params.arrow', rawSpectrum(params))), isFormatError(/'params' is not valid JSON/));
  });

  it('nulls in a column', async () => {
    const nullable = SPECTRUM_FIELDS.map((f) => new Field(f.name, f.type, true));
    const cols = spectrumBatch({ eigenvalues: [1, 2], kernelKind: 'ntk', label: 'x', runId: 'r' }).data.children.slice();
    const valid = new Uint8Array([0b01]);
    cols[1] = makeData({ type: new Float64(), length: 2, nullCount: 1, nullBitmap: valid, data: new Float64Array([1, 0]) });
    const schema = new Schema(nullable, completeMeta(2, 1));
    const batch = new RecordBatch(schema, makeData({ type: new Struct(nullable), length: 2, nullCount: 0, children: cols }));
    const bytes = tableToIPC(new Table(schema, [batch]), 'file');
    await assert.rejects(readResults(write('nulls.arrow', bytes)), isFormatError(/column 'eigenvalue' has 1 nulls/));
  });

  it('bytes in memory at an odd offset read like a file', () => {
    const shifted = new Uint8Array(good.length + 3);
    shifted.set(good, 3);
    assert.equal(resultsFromBytes(shifted.subarray(3)).table.numRows, 12);
  });

  it('a kernel file cut short by a killed writer', async () => {
    const p = join(tmp.dir, 'k.arrow');
    await writeKernels(p, [makeKernel([40, 40])], {}, { tileRows: 10 });
    const bytes = readFileSync(p);
    await assert.rejects(readKernels(write('k-cut.arrow', bytes.subarray(0, bytes.length - 100))), isFormatError(/truncated/));
  });
});
