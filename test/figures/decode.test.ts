/** Front-end Arrow decoding: every kind the widgets read, and every way a buffer can be wrong. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Field, Float64, Int32, makeData, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { decodeBatch } from '../../src/figures/arrow/decode';
import { WidgetDataError } from '../../src/figures/arrow/errors';
import { densityBytes, spectrumBytes, sweepBytes, sweepRow, tileBytes } from '../widgets/helpers';

function streamOf(fields: Field[], columns: unknown[][], metadata: Record<string, string>): Uint8Array {
  const children = columns.map((c, i) => vectorFromArray(c as never, fields[i].type).data[0]);
  const data = makeData({ type: new Struct(fields), length: columns[0].length, nullCount: 0, children });
  const schema = new Schema(fields, new Map(Object.entries(metadata)));
  return RecordBatchStreamWriter.writeAll([new RecordBatch(schema, data)]).toUint8Array(true);
}

const SPECTRUM_META = { producer: 'ntk-lab', result_kind: 'spectrum', schema_version: '1' };

describe('decodeBatch', () => {
  it('decodes spectrum, density, sweep and tile batches into typed columns', () => {
    const s = decodeBatch(spectrumBytes([3, 2, 1], 'ck', 10), 'spectrum', 3);
    assert.equal(s.rows, 3);
    assert.deepEqual(Array.from(s.columns.eigenvalue), [3, 2, 1]);
    assert.deepEqual(Array.from(s.columns.index), [10, 11, 12]);
    assert.deepEqual(s.columns.label, ['ck', 'ck', 'ck']);
    assert.equal(s.metadata.get('result_kind'), 'spectrum');

    const d = decodeBatch(densityBytes('mp', 'marchenko-pastur', [0, 1], [0.5, 0.25]), 'density');
    assert.deepEqual(d.columns.curve, ['mp', 'mp']);
    assert.deepEqual(Array.from(d.columns.density), [0.5, 0.25]);

    const w = decodeBatch(sweepBytes([sweepRow({ seed: 7, eta: 2 }), sweepRow({ statistic: 'mean', riskTrained: NaN })]), 'one-step-sweep', 2);
    assert.deepEqual(Array.from(w.columns.seed), [7, 0]);
    assert.deepEqual(w.columns.statistic, ['value', 'mean']);
    assert.ok(Number.isNaN(w.columns.risk_trained[1]));

    const t = decodeBatch(tileBytes(4, 1, 3), 'kernel-tiles', 1);
    assert.deepEqual(Array.from(t.columns.shape[0]), [4, 4]);
    assert.deepEqual(Array.from(t.columns.values[0]), [4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('copies columns out of the buffer (the comm buffer may be reused)', () => {
    const bytes = spectrumBytes([5, 4]);
    const s = decodeBatch(bytes, 'spectrum');
    bytes.fill(0);
    assert.deepEqual(Array.from(s.columns.eigenvalue), [5, 4]);
  });

  it('refuses bytes that are not Arrow, and buffers too short to be', () => {
    assert.throws(() => decodeBatch(new Uint8Array([1, 2, 3]), 'spectrum'), (e: unknown) => e instanceof WidgetDataError && /too short/.test(e.message));
    const junk = new TextEncoder().encode('this is not an arrow stream at all, just text');
    assert.throws(() => decodeBatch(junk, 'spectrum'), WidgetDataError);
    assert.throws(() => decodeBatch('bytes' as unknown as Uint8Array, 'spectrum'), /expected the batch's bytes, got string/);
  });

  it('refuses a buffer cut short anywhere (or announces the rows it lost)', () => {
    const full = spectrumBytes(Array.from({ length: 50 }, (_, i) => i));
    let refused = 0;
    for (let cut = 0; cut < full.byteLength; cut += 7) {
      try {
        decodeBatch(full.subarray(0, cut), 'spectrum', 50);
      } catch (e) {
        assert.ok(e instanceof WidgetDataError, `cut at ${cut}: ${String(e)}`);
        refused++;
        continue;
      }
      assert.fail(`a buffer cut at ${cut} of ${full.byteLength} bytes was accepted`);
    }
    assert.ok(refused > 10);
  });

  it('names the kind, column and type that do not fit', () => {
    assert.throws(() => decodeBatch(spectrumBytes([1]), 'density'), /expected a 'density' result, got 'spectrum'/);
    const missing = streamOf([new Field('index', new Int32()), new Field('value', new Float64())], [[0], [1]], SPECTRUM_META);
    assert.throws(() => decodeBatch(missing, 'spectrum'), /needs a column 'eigenvalue' \(f64\); found: index, value/);
    const wrongType = streamOf(
      [new Field('index', new Int32()), new Field('eigenvalue', new Utf8()), new Field('kernel_kind', new Utf8()), new Field('label', new Utf8())],
      [[0], ['1'], ['ntk'], ['ntk']],
      SPECTRUM_META,
    );
    assert.throws(() => decodeBatch(wrongType, 'spectrum'), /column 'eigenvalue' of a 'spectrum' batch is Utf8, expected f64/);
  });

  it('refuses foreign producers, newer schema versions, nulls and wrong row counts', () => {
    const fields = [new Field('index', new Int32()), new Field('eigenvalue', new Float64()), new Field('kernel_kind', new Utf8()), new Field('label', new Utf8())];
    const cols = [[0], [1], ['ntk'], ['ntk']];
    assert.throws(() => decodeBatch(streamOf(fields, cols, { ...SPECTRUM_META, producer: 'other' }), 'spectrum'), /not an ntk-lab result/);
    assert.throws(() => decodeBatch(streamOf(fields, cols, { ...SPECTRUM_META, schema_version: '2' }), 'spectrum'), /schema version 2 is newer/);
    const withNull = streamOf([...fields.slice(0, 1), new Field('eigenvalue', new Float64(), true), ...fields.slice(2)], [[0], [null], ['ntk'], ['ntk']], SPECTRUM_META);
    assert.throws(() => decodeBatch(withNull, 'spectrum'), /holds nulls/);
    assert.throws(() => decodeBatch(spectrumBytes([1, 2]), 'spectrum', 3), /announced 3 rows but its buffer holds 2/);
  });

  it('accepts extra columns (an additive schema change) and ignores them', () => {
    const fields = [new Field('index', new Int32()), new Field('eigenvalue', new Float64()), new Field('kernel_kind', new Utf8()), new Field('label', new Utf8()), new Field('new_column', new Float64())];
    const s = decodeBatch(streamOf(fields, [[0], [2.5], ['ck'], ['ck'], [9]], SPECTRUM_META), 'spectrum', 1);
    assert.deepEqual(Array.from(s.columns.eigenvalue), [2.5]);
  });
});
