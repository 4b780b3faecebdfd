/** ResultStream: tee to several sinks, back-pressure, and clean ends on cancel and error (acceptance 3). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RecordBatch } from 'apache-arrow';
import { CancelledError, ArrowFormatError } from '../../src/errors';
import {
  CallbackSink, IpcFileSink, readResults, resultSchema, ResultSink, ResultStream, spectrumBatch, SpectrumColumns, StreamStatus, TableSink,
  readKernels, writeKernels, densityBatch,
} from '../../src/arrow';
import { makeKernel, tempDir, tick } from './helpers';

const tmp = tempDir();
after(tmp.cleanup);

const batch = (i: number): RecordBatch<SpectrumColumns> =>
  spectrumBatch({ eigenvalues: [i, i / 2, i / 3], kernelKind: 'ntk', label: `b${i}`, runId: 'r', firstIndex: 3 * i });

async function* producer(count: number, log: string[] = [], failAt = -1): AsyncGenerator<RecordBatch<SpectrumColumns>> {
  try {
    for (let i = 0; i < count; i++) {
      await tick();
      if (i === failAt) throw new RangeError(`producer failed at batch ${i}`);
      log.push(`produce ${i}`);
      yield batch(i);
    }
  } finally {
    log.push('producer closed');
  }
}

const schema = () => resultSchema('spectrum', { params: { test: true }, seed: 5 });

describe('ResultStream', () => {
  it('tees one stream into a table, two files and a callback', async () => {
    const seen: number[] = [];
    const [table, file, stream, status] = await new ResultStream(schema(), producer(5)).pipeTo(
      new TableSink<SpectrumColumns>(),
      new IpcFileSink<SpectrumColumns>(join(tmp.dir, 'tee.arrow')),
      new IpcFileSink<SpectrumColumns>(join(tmp.dir, 'tee.arrows')),
      new CallbackSink<SpectrumColumns>((b, p) => void seen.push(p.index, p.rowsBefore, b.numRows)),
    );
    assert.equal(table.numRows, 15);
    assert.equal(table.schema.metadata.get('complete'), 'true');
    assert.equal(table.schema.metadata.get('seed'), '5');
    assert.equal(file.format, 'file');
    assert.equal(stream.format, 'stream');
    assert.equal(status.complete, true);
    assert.deepEqual(seen, [0, 0, 3, 1, 3, 3, 2, 6, 3, 3, 9, 3, 4, 12, 3]);
    for (const p of [file.path, stream.path]) {
      const back = await readResults(p, 'spectrum');
      assert.equal(back.table.numRows, 15);
      assert.deepEqual([...back.table.getChild('eigenvalue')!], [...table.getChild('eigenvalue')!]);
    }
  });

  it('pulls the next batch only after every sink took the current one (back-pressure)', async () => {
    const log: string[] = [];
    const slow: ResultSink<SpectrumColumns, number> = {
      start: () => undefined,
      write: async (b) => {
        log.push(`slow start ${b.get(0)!.index / 3}`);
        await tick(5);
        log.push(`slow done ${b.get(0)!.index / 3}`);
      },
      close: (s: StreamStatus) => s.batches,
    };
    const fast = new CallbackSink<SpectrumColumns>((b) => void log.push(`fast ${b.get(0)!.index / 3}`));
    const [n] = await new ResultStream(schema(), producer(3, log)).pipeTo(slow, fast);
    assert.equal(n, 3);
    assert.deepEqual(log, [
      'produce 0', 'slow start 0', 'fast 0', 'slow done 0',
      'produce 1', 'slow start 1', 'fast 1', 'slow done 1',
      'produce 2', 'slow start 2', 'fast 2', 'slow done 2',
      'producer closed',
    ]);
  });

  for (const ext of ['arrow', 'arrows']) {
    it(`cancellation mid-stream leaves a readable .${ext} with the done batches, complete: false`, async () => {
      const ac = new AbortController();
      const log: string[] = [];
      const path = join(tmp.dir, `cancel.${ext}`);
      const table = new TableSink<SpectrumColumns>();
      const run = new ResultStream(schema(), producer(100, log), { signal: ac.signal }).pipeTo(
        new IpcFileSink<SpectrumColumns>(path),
        table,
        new CallbackSink<SpectrumColumns>((_, p) => {
          if (p.index === 3) ac.abort(new Error('user pressed stop'));
        }),
      );
      await assert.rejects(run, (e: Error) => e instanceof CancelledError && /after 4 batches: Error: user pressed stop/.test(e.message));
      await tick(5);
      assert.equal(log.at(-1), 'producer closed');
      const back = await readResults(path, 'spectrum');
      assert.equal(back.meta.status.complete, false);
      assert.equal(back.meta.status.cancelled, true);
      assert.equal(back.table.schema.metadata.get('complete'), 'false');
      assert.match(back.meta.status.error ?? '', /CancelledError/);
      assert.equal(back.table.batches.length, 4);
      assert.deepEqual([...back.table.getChild('label')!].filter((_, i) => i % 3 === 0), ['b0', 'b1', 'b2', 'b3']);
      assert.equal(table.table?.schema.metadata.get('complete'), 'false');
      assert.equal(table.table?.numRows, 12);
    });

    it(`an exception in the producer leaves a readable .${ext} marked incomplete and is rethrown`, async () => {
      const path = join(tmp.dir, `fail.${ext}`);
      const run = new ResultStream(schema(), producer(10, [], 2)).toFile(path);
      await assert.rejects(run, (e: Error) => e instanceof RangeError && e.message === 'producer failed at batch 2');
      const back = await readResults(path, 'spectrum');
      assert.equal(back.meta.status.complete, false);
      assert.equal(back.meta.status.cancelled, false);
      assert.equal(back.meta.status.error, 'RangeError: producer failed at batch 2');
      assert.equal(back.table.numRows, 6);
    });
  }

  it('cancels promptly while the producer is busy, without waiting for its batch', async () => {
    const ac = new AbortController();
    async function* stuck(): AsyncGenerator<RecordBatch<SpectrumColumns>> {
      yield batch(0);
      await new Promise((r) => setTimeout(r, 60_000).unref()); // a long computation that ignores the signal
      yield batch(1);
    }
    const path = join(tmp.dir, 'stuck.arrow');
    const t0 = Date.now();
    const run = new ResultStream(schema(), stuck(), { signal: ac.signal }).toFile(path);
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(run, CancelledError);
    assert.ok(Date.now() - t0 < 2000);
    const back = await readResults(path, 'spectrum');
    assert.equal(back.table.numRows, 3);
    assert.equal(back.meta.status.cancelled, true);
  });

  it('an already aborted signal writes an empty, readable, incomplete file', async () => {
    const path = join(tmp.dir, 'pre-aborted.arrow');
    await assert.rejects(new ResultStream(schema(), producer(3), { signal: AbortSignal.abort() }).toFile(path), CancelledError);
    const back = await readResults(path, 'spectrum');
    assert.equal(back.table.numRows, 0);
    assert.equal(back.meta.status.complete, false);
  });

  it('a failing sink stops the stream, closes the others, and its error is rethrown', async () => {
    const path = join(tmp.dir, 'sink-fail.arrow');
    const failing = new CallbackSink<SpectrumColumns>((_, p) => {
      if (p.index === 1) throw new Error('display gone');
    });
    await assert.rejects(new ResultStream(schema(), producer(5)).pipeTo(new IpcFileSink<SpectrumColumns>(path), failing), /display gone/);
    const back = await readResults(path, 'spectrum');
    assert.equal(back.meta.status.complete, false);
    // The file sink took batch 1 alongside the failing sink; its status counts what it holds.
    assert.equal(back.table.batches.length, 2);
    assert.equal(back.meta.status.batches, 2);
  });

  it('an unwritable path rejects with the file system error', async () => {
    await assert.rejects(new ResultStream(schema(), producer(2)).toFile(join(tmp.dir, 'no/such/dir/x.arrow')), /ENOENT/);
  });

  it('can be iterated once with for-await, and refuses a second consumer', async () => {
    const s = new ResultStream(schema(), [batch(0), batch(1)]);
    const rows: number[] = [];
    for await (const b of s) rows.push(b.numRows);
    assert.deepEqual(rows, [3, 3]);
    await assert.rejects(s.toTable(), /already consumed/);
  });

  it('rejects a batch whose columns are not the schema\'s', async () => {
    const wrong = densityBatch({ curve: 'c', law: 'empirical', x: [1], density: [1] }) as unknown as RecordBatch<SpectrumColumns>;
    const path = join(tmp.dir, 'wrong-batch.arrow');
    await assert.rejects(new ResultStream(schema(), [batch(0), wrong]).toFile(path), (e: Error) => e instanceof ArrowFormatError && /batch 1 has columns \(curve/.test(e.message));
    assert.equal((await readResults(path, 'spectrum')).table.numRows, 3);
  });

  it('writeKernels honours an AbortSignal: whole kernels written before the cancel are kept', async () => {
    const ac = new AbortController();
    const kernels = [makeKernel([8, 8], { label: 'a' }), makeKernel([8, 8], { label: 'b' })];
    ac.abort();
    const path = join(tmp.dir, 'kernels-cancel.arrow');
    await assert.rejects(writeKernels(path, kernels, {}, { signal: ac.signal, tileRows: 2 }), CancelledError);
    assert.deepEqual(await readKernels(path), []);
  });
});
