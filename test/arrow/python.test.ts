/**
 * Acceptance 2: Python (pyarrow, pandas, polars from .venv) reads what ntk-lab wrote, checking values bit for
 * bit, types and metadata; and ntk-lab reads what pyarrow writes. Fails, never skips, without the venv.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RecordBatch } from 'apache-arrow';
import {
  densityBatch, oneStepSweepBatch, resultSchema, ResultStream, RunMeta, spectrumBatch, SpectrumColumns, writeKernels, writeResult,
} from '../../src/arrow';
import { densityMetadata } from '../../src/arrow/kinds/density';
import { CancelledError } from '../../src/errors';
import { VERSION } from '../../src/version';
import { awkwardFloats, makeKernel, python, REPO, tempDir } from './helpers';
import { checkPyarrowFixtures } from './pyarrow-fixtures';

const tmp = tempDir();
after(tmp.cleanup);

const hex = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

function runPython(args: string[]): string {
  const r = spawnSync(python(), args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `python ${args.join(' ')} failed (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('cross-language', () => {
  it('pyarrow, pandas and polars read ntk-lab files: values, types, metadata, incomplete marks', async () => {
    const meta: RunMeta = { params: { model: 'mlp', widths: [784, 512, 1], lambda: 1e-3 }, seed: 7, backend: 'test' };
    const kernels = [makeKernel([37, 23]), makeKernel([4, 5, 3], { layout: 'diagonal', outputs: 3, label: 'layer2/weight', kind: 'ntk-component' })];
    await writeKernels(join(tmp.dir, 'kernels.arrow'), kernels, meta, { tileRows: 7 });

    const eig = Float64Array.from(awkwardFloats(40, 3), (x, i) => x / (i + 1));
    eig[39] = 5e-324;
    const spectrum = [
      spectrumBatch({ eigenvalues: eig.subarray(0, 25), kernelKind: 'ntk', label: 'ntk', runId: 'r' }),
      spectrumBatch({ eigenvalues: eig.subarray(25), kernelKind: 'ck', label: 'ck:layer1', runId: 'r' }),
    ];
    await writeResult(join(tmp.dir, 'spectrum.arrow'), 'spectrum', spectrum, meta);

    const row = { eta: 1, scaling: 'theta-1', n: 8, d: 4, width: 16, lambda: 0.1, alignment: 0.5, spikeNorm: 2, bulkNorm: 1, riskInitial: 0.2 };
    await writeResult(join(tmp.dir, 'sweep.arrow'), 'one-step-sweep', [oneStepSweepBatch([{ ...row, seed: 2 ** 53 - 1, riskTrained: NaN }, { ...row, seed: -3, riskTrained: 0.1 }])], meta);

    const laws = { mp: { law: 'marchenko-pastur', params: { gamma: 0.5, sigma2: 1 } } };
    await writeResult(join(tmp.dir, 'density.arrow'), 'density', [densityBatch({ curve: 'mp', law: 'marchenko-pastur', x: [0, 1], density: [0.5, 0.25] })], meta, {
      extra: densityMetadata(laws),
    });

    for (const ext of ['arrow', 'arrows']) {
      const ac = new AbortController();
      async function* producer(): AsyncGenerator<RecordBatch<SpectrumColumns>> {
        for (let i = 0; ; i++) {
          if (i === 3) ac.abort();
          yield spectrumBatch({ eigenvalues: [i, i + 0.5], kernelKind: 'ntk', label: 'ntk', runId: 'r', firstIndex: 2 * i });
          await new Promise((r) => setTimeout(r, 1));
        }
      }
      await assert.rejects(new ResultStream(resultSchema('spectrum', meta), producer(), { signal: ac.signal }).toFile(join(tmp.dir, `cancelled.${ext}`)), CancelledError);
    }

    const expected = {
      params: meta.params,
      seed: 7,
      backend: 'test',
      version: VERSION,
      kernels: kernels.map((k) => ({ label: k.label, shape: [...k.shape], hex: hex(k.values) })),
      spectrum_hex: hex(eig),
      spectrum_labels: ['ntk', 'ck:layer1'],
      sweep_seeds: [2 ** 53 - 1, -3],
      laws,
      cancelled_batches: 3, // the batch yielded after abort() is dropped
      cancelled_rows: 6,
    };
    writeFileSync(join(tmp.dir, 'expected.json'), JSON.stringify(expected));
    const out = runPython([join(REPO, 'test/arrow/python/check_ntk_lab_files.py'), tmp.dir]);
    assert.match(out, /^ok: \d+ checks/m);
  });

  it('ntk-lab reads files that pyarrow writes now (test/fixtures/arrow/make_fixtures.py)', async () => {
    const dir = join(tmp.dir, 'pyarrow');
    runPython([join(REPO, 'test/fixtures/arrow/make_fixtures.py'), dir]);
    await checkPyarrowFixtures(dir);
  });
});
