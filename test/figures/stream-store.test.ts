/** The front-end model's store: order, duplicates, gaps, generations, bad batches, what to re-request. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodedBatch } from '../../src/figures/arrow/decode';
import { StreamStore } from '../../src/figures/data/stream-store';
import type { BatchMessage, DataStatus } from '../../src/figures/protocol';
import { spectrumBytes } from '../widgets/helpers';

const msg = (seq: number, rows = 2, generation = 1): BatchMessage => ({ kind: 'batch', generation, stream: 'spectrum', seq, rows });
const status = (batches: number, generation = 1): DataStatus => ({
  generation,
  error: null,
  streams: { spectrum: { kind: 'spectrum', state: 'running', batches, rows: batches * 2, expected_rows: null, error: null } },
});

describe('StreamStore', () => {
  it('hands batches on in seq order, holding early ones until the gap closes', () => {
    const s = new StreamStore({ spectrum: 'spectrum' });
    const r2 = s.accept(msg(1), spectrumBytes([3, 4], 'ntk', 2));
    assert.equal(r2.appended.length, 0);
    assert.deepEqual(s.missing(status(2)), [{ stream: 'spectrum', from: 0 }]);
    const r1 = s.accept(msg(0), spectrumBytes([1, 2]));
    assert.deepEqual(r1.appended.map((b) => Array.from((b as DecodedBatch<"spectrum">).columns.eigenvalue)), [[1, 2], [3, 4]]);
    assert.deepEqual(s.missing(status(2)), []);
    assert.equal(s.stream('spectrum')?.rows, 4);
  });

  it('held() counts batches in order, refused ones included, not those waiting for a gap', () => {
    const s = new StreamStore({ spectrum: 'spectrum' });
    s.accept(msg(0), spectrumBytes([1, 2]));
    s.accept(msg(1), new TextEncoder().encode('not arrow'));
    s.accept(msg(3), spectrumBytes([7, 8], 'ntk', 6));
    assert.deepEqual(s.held(), { spectrum: 2 });
  });

  it('ignores duplicates, older generations and unknown streams', () => {
    const s = new StreamStore({ spectrum: 'spectrum' });
    s.accept(msg(0), spectrumBytes([1, 2]));
    assert.equal(s.accept(msg(0), spectrumBytes([1, 2])).ignored, true);
    assert.equal(s.accept({ ...msg(0), stream: 'nope' }, spectrumBytes([1, 2])).ignored, true);
    s.accept(msg(0, 2, 3), spectrumBytes([7, 8]));
    assert.equal(s.generation, 3);
    assert.equal(s.accept(msg(1, 2, 2), spectrumBytes([1, 2])).ignored, true);
    assert.deepEqual(s.batches('spectrum').map((b) => Array.from((b as DecodedBatch<"spectrum">).columns.eigenvalue)), [[7, 8]]);
  });

  it('a new generation in the status drops the data and asks from 0', () => {
    const s = new StreamStore({ spectrum: 'spectrum' });
    s.accept(msg(0), spectrumBytes([1, 2]));
    assert.equal(s.sync(2), true);
    assert.equal(s.batches('spectrum').length, 0);
    assert.deepEqual(s.missing(status(3, 2)), [{ stream: 'spectrum', from: 0 }]);
    assert.deepEqual(s.missing(status(3, 1)), [], 'a status of another generation asks for nothing');
  });

  it('a bad batch becomes an error in its place and the stream goes on', () => {
    const s = new StreamStore({ spectrum: 'spectrum' });
    const good = spectrumBytes([1, 2]);
    const r0 = s.accept(msg(0), good.subarray(0, good.byteLength - 30));
    assert.equal(r0.appended.length, 0);
    assert.equal(r0.errors.length, 1);
    assert.match(r0.errors[0], /spectrum batch 0: /);
    const r1 = s.accept(msg(1), spectrumBytes([3, 4]));
    assert.equal(r1.appended.length, 1);
    assert.deepEqual(s.errors().length, 1);
    const r2 = s.accept(msg(2), undefined);
    assert.match(r2.errors[0], /without its buffer/);
    assert.deepEqual(s.missing(status(3)), []);
  });
});
