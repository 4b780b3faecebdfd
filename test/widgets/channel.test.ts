/** Kernel side to front end without a browser: BatchChannel's messages, fed to the front end's StreamStore. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodedBatch } from '../../src/figures/arrow/decode';
import { StreamStore } from '../../src/figures/data/stream-store';
import { asBatchMessage, asDataStatus } from '../../src/figures/protocol';
import { spectrumBatch } from '../../src/arrow/kinds/spectrum';
import { resultSchema } from '../../src/arrow/schemas';
import { BatchChannel } from '../../src/display/channel';
import type { BinaryLike, JsonObject } from '../../src/kernel/json';
import type { WidgetState } from '../../src/kernel/widgets/buffer-paths';

/** Records what the channel sends, as a comm would carry it. */
class FakePort {
  sent: { content: JsonObject; buffers: readonly BinaryLike[] }[] = [];
  state: WidgetState = {};
  set(patch: WidgetState): void {
    Object.assign(this.state, patch);
  }
  send(content: JsonObject, buffers: readonly BinaryLike[] = []): void {
    this.sent.push({ content, buffers });
  }
}

const schema = resultSchema('spectrum', {});
const batch = (vals: number[], first: number) => spectrumBatch({ eigenvalues: Float64Array.from(vals), kernelKind: 'ntk', label: 'ntk', runId: 'r', firstIndex: first });

function deliver(port: FakePort, store: StreamStore, which: number[]): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  for (const i of which) {
    const m = asBatchMessage(port.sent[i].content);
    assert.ok(m);
    out.push(...store.accept(m, port.sent[i].buffers[0] as Uint8Array).appended);
  }
  return out;
}

describe('BatchChannel', () => {
  it('sends each batch as one buffer with its seq, and counts it in data_status', () => {
    const port = new FakePort();
    const mirrored: number[] = [];
    const ch = new BatchChannel(port, { spectrum: 'spectrum' }, { batch: (_s, d) => void mirrored.push(d.rows), reset: () => undefined });
    assert.equal(ch.begin({ spectrum: 5 }), 1);
    ch.push('spectrum', batch([5, 4, 3], 0), schema);
    ch.push('spectrum', batch([2, 1], 3), schema);
    ch.end('spectrum', 'complete');
    assert.deepEqual(port.sent.map((s) => s.content), [
      { kind: 'batch', generation: 1, stream: 'spectrum', seq: 0, rows: 3 },
      { kind: 'batch', generation: 1, stream: 'spectrum', seq: 1, rows: 2 },
    ]);
    assert.ok(port.sent.every((s) => s.buffers.length === 1));
    assert.deepEqual(mirrored, [3, 2]);
    const st = asDataStatus(port.state.data_status);
    assert.deepEqual(st.streams.spectrum, { kind: 'spectrum', state: 'complete', batches: 2, rows: 5, expected_rows: 5, error: null });
  });

  it('a front end that missed batches (re-opened page) asks and gets exactly them, in order', () => {
    const port = new FakePort();
    const ch = new BatchChannel(port, { spectrum: 'spectrum' }, { batch: () => undefined, reset: () => undefined });
    ch.begin();
    for (let i = 0; i < 4; i++) ch.push('spectrum', batch([i], i), schema);
    const store = new StreamStore({ spectrum: 'spectrum' });
    deliver(port, store, [0, 2]); // batch 1 lost in transit
    const st = asDataStatus(port.state.data_status);
    store.sync(st.generation);
    const [missing] = store.missing(st);
    assert.deepEqual(missing, { stream: 'spectrum', from: 1 });
    const before = port.sent.length;
    assert.equal(ch.answer({ kind: 'request', generation: st.generation, ...missing }), 3);
    const got = deliver(port, store, [before, before + 1, before + 2]);
    assert.deepEqual(got.map((b) => Array.from((b as DecodedBatch<'spectrum'>).columns.index)), [[1], [2], [3]]);
    assert.deepEqual(store.missing(st), []);
    assert.equal(ch.answer({ kind: 'request', generation: 99, stream: 'spectrum', from: 0 }), 0, 'another generation gets nothing');
  });

  it('a new computation starts a new generation; the front end drops the old data', () => {
    const port = new FakePort();
    let resets = 0;
    const ch = new BatchChannel(port, { spectrum: 'spectrum' }, { batch: () => undefined, reset: () => void resets++ });
    ch.begin();
    ch.push('spectrum', batch([1], 0), schema);
    const store = new StreamStore({ spectrum: 'spectrum' });
    deliver(port, store, [0]);
    ch.begin();
    ch.push('spectrum', batch([9], 0), schema);
    deliver(port, store, [1]);
    assert.equal(store.generation, 2);
    assert.deepEqual(store.batches('spectrum').map((b) => Array.from((b as DecodedBatch<'spectrum'>).columns.eigenvalue)), [[9]]);
    assert.equal(resets, 2);
  });

  it('raw bytes that do not decode are still sent (the front end shows the error) and reported to the mirror', () => {
    const port = new FakePort();
    const errors: string[] = [];
    const ch = new BatchChannel(port, { spectrum: 'spectrum' }, { batch: () => undefined, error: (_s, _q, m) => void errors.push(m), reset: () => undefined });
    ch.begin();
    ch.pushBytes('spectrum', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 3);
    assert.equal(port.sent.length, 1);
    assert.match(errors[0], /not an Arrow IPC stream: it starts with bytes 01 02 03 04/);
    ch.fail('RangeError: bad eta');
    const st = asDataStatus(port.state.data_status);
    assert.equal(st.error, 'RangeError: bad eta');
    assert.equal(st.streams.spectrum.state, 'failed');
    assert.throws(() => ch.push('nope', batch([1], 0), schema), /stream 'nope' is not open/);
  });
});
