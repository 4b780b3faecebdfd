/** Acceptance 1: every result kind, written by ntk-lab and read back by it, is equal to the last bit. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RecordBatch, Table } from 'apache-arrow';
import {
  alignmentBatch, densityBatch, densityLaws, IpcFormat, layerwiseBatch, layerwiseRows, oneStepSweepBatch,
  readResults, ResultKind, ResultColumns, ridgeRiskBatch, spectrumBatch, writeResult, RunMeta, RESULT_KINDS, kernelTileBatch,
} from '../../src/arrow';
import { densityMetadata } from '../../src/arrow/kinds/density';
import { trainingBatch } from '../../src/training/schema';
import { VERSION } from '../../src/version';
import { assertSameColumns } from './equal';
import { awkwardFloats, makeKernel, tempDir } from './helpers';

const tmp = tempDir();
after(tmp.cleanup);

const meta: RunMeta = {
  params: { widths: [784, 512, 1], activation: 'relu', lambda: 1e-3, nested: { ok: true, none: null } },
  backend: 'wasm+openblas',
  seed: 42,
  runId: 'run-ü-1',
  createdAt: new Date('2026-01-02T03:04:05.678Z'),
};

const f64 = (n: number, seed: number): Float64Array => {
  const v = Float64Array.from(awkwardFloats(n, seed), (x, i) => x * (1 + i * 1e-9));
  v[n - 1] = 5e-324; // a float64 subnormal that float32 cannot hold
  return v;
};

const ntk = makeKernel([7, 7], { symmetric: true });
const batchesOf: { [K in ResultKind]: () => RecordBatch<ResultColumns[K]>[] } = {
  'kernel-tiles': () => [
    kernelTileBatch(0, ntk, [{ rowStart: 0, rowEnd: 3, colStart: 0, colEnd: 7, values: ntk.values.subarray(0, 21) }]),
    kernelTileBatch(0, ntk, [{ rowStart: 3, rowEnd: 7, colStart: 0, colEnd: 7, values: ntk.values.subarray(21) }]),
  ],
  spectrum: () => [
    spectrumBatch({ eigenvalues: f64(50, 1), kernelKind: 'ntk', label: 'ntk', runId: 'r1' }),
    spectrumBatch({ eigenvalues: f64(30, 2), kernelKind: 'ntk-component', label: 'layer1/weight', runId: 'r1', firstIndex: 0 }),
  ],
  density: () => [
    densityBatch({ curve: 'esd', law: 'empirical', x: f64(40, 3), density: f64(40, 4) }),
    densityBatch({ curve: 'mp', law: 'marchenko-pastur', x: f64(40, 5), density: f64(40, 6) }),
  ],
  alignment: () => [alignmentBatch({ curve: 'spike', xName: 'eta', x: f64(12, 7), alignment: f64(12, 8) })],
  'one-step-sweep': () => [
    oneStepSweepBatch([
      { eta: 0.5, scaling: 'theta-1', seed: 2 ** 53 - 1, n: 1024, d: 512, width: 1024, lambda: 1e-3, alignment: 0.9, spikeNorm: 3.5, bulkNorm: 1.25, riskInitial: 0.31, riskTrained: NaN },
      { eta: 32, scaling: 'theta-sqrt-n', seed: -7, n: 2048, d: 512, width: 1024, lambda: 1e-3, alignment: -0, spikeNorm: Infinity, bulkNorm: 1e-310, riskInitial: 0.3, riskTrained: 0.1 },
    ]),
  ],
  'ridge-risk': () => [ridgeRiskBatch([{ features: 'ck-trained', lambda: 1e-4, nTrain: 512, seed: 0, risk: 0.123456789012345, trainRisk: NaN }])],
  layerwise: () => [layerwiseBatch(layerwiseRows(ntk, [makeKernel([7, 7], { kind: 'ntk-component', label: 'layer1/weight' })]))],
  training: () => [
    trainingBatch(0, 0, [{ metric: 'loss', label: 'train', value: f64(1, 9)[0] }, { metric: 'trace_share', label: 'layer1/weight', value: 5e-324 }]),
    trainingBatch(12, 1.5, [{ metric: 'kernel_velocity', label: 'ntk', value: NaN }, { metric: 'eigenvalue', label: '1', value: 1e308 }]),
  ],
};

const lawsExtra = densityMetadata({
  esd: { law: 'empirical', params: { bins: 40 } },
  mp: { law: 'marchenko-pastur', params: { gamma: 0.5, sigma2: 1 } },
});

describe('round trip of every result kind', () => {
  it('covers every registered kind', () => {
    assert.deepEqual(Object.keys(batchesOf).sort(), [...RESULT_KINDS].sort());
  });

  for (const kind of RESULT_KINDS) {
    for (const format of ['file', 'stream'] as IpcFormat[]) {
      it(`${kind} as IPC ${format}`, async () => {
        const batches = (batchesOf[kind] as () => RecordBatch[])();
        const path = join(tmp.dir, `${kind}.${format === 'file' ? 'arrow' : 'arrows'}`);
        const extra = kind === 'density' ? lawsExtra : {};
        const summary = await writeResult(path, kind, batches, meta, { extra });
        assert.equal(summary.format, format);
        assert.equal(summary.status.complete, true);

        const back = await readResults(path, kind);
        assert.equal(back.kind, kind);
        assert.equal(back.format, format);
        assertSameColumns(back.table, new Table(batches));
        assert.equal(back.table.batches.length, batches.length);
        assert.deepEqual(back.meta.params, meta.params);
        assert.equal(back.meta.seed, 42);
        assert.equal(back.meta.backend, 'wasm+openblas');
        assert.equal(back.meta.runId, 'run-ü-1');
        assert.equal(back.meta.createdAt.toISOString(), '2026-01-02T03:04:05.678Z');
        assert.equal(back.meta.producerVersion, VERSION);
        assert.deepEqual(
          { complete: back.meta.status.complete, cancelled: back.meta.status.cancelled, batches: back.meta.status.batches, rows: back.meta.status.rows },
          { complete: true, cancelled: false, batches: batches.length, rows: batches.reduce((s, b) => s + b.numRows, 0) },
        );
        assert.equal(back.table.schema.metadata.get('complete'), 'true');
        if (kind === 'density') {
          assert.deepEqual(densityLaws(back.table.schema.metadata), {
            esd: { law: 'empirical', params: { bins: 40 } },
            mp: { law: 'marchenko-pastur', params: { gamma: 0.5, sigma2: 1 } },
          });
        }
      });
    }
  }

  it('keeps int64 seeds exact up to 2^53 - 1', async () => {
    const path = join(tmp.dir, 'seed.arrow');
    await writeResult(path, 'one-step-sweep', batchesOf['one-step-sweep'](), meta);
    const { table } = await readResults(path, 'one-step-sweep');
    assert.deepEqual([...table.getChild('seed')!].map(Number), [2 ** 53 - 1, -7]);
  });
});
