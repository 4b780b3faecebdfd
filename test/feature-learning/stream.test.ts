/**
 * Acceptance 4 and the streaming contract: the sweep emits one Arrow batch per completed point (a row per lambda),
 * then per width the 'mean' / 'std' rows over seeds; a sweep cancelled halfway leaves exactly the completed points in
 * its Arrow output (file marked complete = false, cancelled = true), identical to the same points of a full run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CallbackSink, IpcFileSink, readResults } from '../../src/arrow';
import type { OneStepSweepColumns, OneStepSweepRow } from '../../src/arrow/kinds/one-step-sweep';
import { CancelledError } from '../../src/errors';
import { oneStepSweep, oneStepSweepStream, type OneStepOptions } from '../../src/feature-learning';
import { setupBackend } from '../helpers/setup';

const OPTIONS: OneStepOptions = {
  n: 96, d: 16, N: 32, activation: 'tanh', teacher: 'tanh', noise: 0.1, etas: [0, 1, 2, 4], scalings: ['small', 'large'],
  lambdas: [1e-3, 1e-1], seeds: 3, nTest: 64,
};

/** Column `name` of every row of the file, as numbers (or strings). */
async function column(file: string, name: keyof OneStepSweepColumns): Promise<unknown[]> {
  const { table } = await readResults(file, 'one-step-sweep');
  return [...table.getChild(name)!].map((v) => (typeof v === 'bigint' ? Number(v) : v));
}

async function allGroups(): Promise<OneStepSweepRow[][]> {
  const groups: OneStepSweepRow[][] = [];
  for await (const g of oneStepSweep(OPTIONS)) groups.push(g);
  return groups;
}

test('a complete sweep: one batch per point, then mean and std rows over the seeds', async () => {
  await setupBackend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'one-step-'));
  try {
    const file = path.join(dir, 'sweep.arrow');
    const summary = await oneStepSweepStream(OPTIONS).toFile(file);
    const points = 2 * 4; // scalings x etas
    assert.equal(summary.status.batches, 3 * points + points);
    const { table, meta } = await readResults(file, 'one-step-sweep');
    assert.equal(meta.status.complete, true);
    assert.equal(table.numRows, (3 * points + 2 * points) * 2);
    assert.deepEqual(meta.params.N, [32]);
    assert.equal(meta.params.teacher, 'tanh');
    const statistic = (await column(file, 'statistic')) as string[];
    assert.deepEqual([...new Set(statistic)], ['value', 'mean', 'std']);
    // The mean row of the first point is the mean of its three seeds' rows.
    const groups = await allGroups();
    const first = [0, 1, 2].map((s) => groups[s * points][0]);
    const meanRow = groups[3 * points].find((r) => r.statistic === 'mean' && r.lambda === first[0].lambda)!;
    const want = first.reduce((a, r) => a + r.riskTrained, 0) / 3;
    assert.ok(Math.abs(meanRow.riskTrained - want) <= 1e-15 * Math.abs(want));
    assert.equal(meanRow.nSeeds, 3);
    const stdRow = groups[3 * points].find((r) => r.statistic === 'std' && r.lambda === first[0].lambda)!;
    const sd = Math.sqrt(first.reduce((a, r) => a + (r.riskTrained - want) ** 2, 0) / 2);
    assert.ok(Math.abs(stdRow.riskTrained - sd) <= 1e-12 * sd);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a sweep cancelled halfway keeps its completed points in the Arrow file, identical to a full run', async () => {
  await setupBackend();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'one-step-'));
  try {
    const file = path.join(dir, 'cancelled.arrow');
    const ac = new AbortController();
    const stream = oneStepSweepStream(OPTIONS, { signal: ac.signal });
    const stop = 11; // of 8 points x 3 seeds + 8 summaries: inside the second seed
    await assert.rejects(
      stream.pipeTo(new IpcFileSink<OneStepSweepColumns>(file), new CallbackSink<OneStepSweepColumns>((_b, p) => { if (p.index + 1 === stop) ac.abort(); })),
      CancelledError,
    );
    const { table, meta } = await readResults(file, 'one-step-sweep');
    assert.equal(meta.status.complete, false);
    assert.equal(meta.status.cancelled, true);
    assert.equal(meta.status.batches, stop);
    assert.equal(table.numRows, stop * 2);
    const full = (await allGroups()).slice(0, stop).flat();
    assert.deepEqual(await column(file, 'risk_trained'), full.map((r) => r.riskTrained));
    assert.deepEqual(await column(file, 'eta'), full.map((r) => r.eta));
    assert.deepEqual(await column(file, 'seed'), full.map((r) => r.seed));
    assert.deepEqual(await column(file, 'alignment_w1'), full.map((r) => r.alignmentW1));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
