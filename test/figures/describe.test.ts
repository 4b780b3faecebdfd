/** Header status lines: what was computed, in the reader's terms, from data_status and the data held. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySweepRows, SweepRows } from '../../src/figures/builders/sweep';
import { kernelLine, loadingPercent, overallState, rowProgress, spectrumLine, sweepLine } from '../../src/figures/describe';
import type { DataStatus, StreamState } from '../../src/figures/protocol';

function status(streams: Record<string, { state: StreamState; batches: number; rows: number; expected?: number | null }>, error: string | null = null): DataStatus {
  const out: DataStatus = { generation: 1, streams: {}, error };
  for (const [k, s] of Object.entries(streams)) out.streams[k] = { kind: k, state: s.state, batches: s.batches, rows: s.rows, expected_rows: s.expected ?? null, error: null };
  return out;
}

const values = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('status lines', () => {
  it('spectrum: eigenvalues per kernel, progress against the expected count, loading after a reload', () => {
    const one = [{ label: 'ntk', values: values(600) }];
    assert.equal(spectrumLine(one, status({ spectrum: { state: 'complete', batches: 6, rows: 600 } }), { spectrum: 6 }), '600 eigenvalues');
    const five = ['ntk', 'l1/w', 'l1/b', 'l2/w', 'l2/b'].map((label) => ({ label, values: values(300) }));
    assert.equal(spectrumLine(five, status({ spectrum: { state: 'complete', batches: 5, rows: 1500 } }), { spectrum: 5 }), '5 kernels × 300 eigenvalues');
    const mixed = [{ label: 'a', values: values(3) }, { label: 'b', values: values(1) }];
    assert.equal(spectrumLine(mixed, status({ spectrum: { state: 'complete', batches: 2, rows: 4 } }), { spectrum: 2 }), '2 kernels, 4 eigenvalues');
    const running = status({ spectrum: { state: 'running', batches: 3, rows: 2400, expected: 8000 } });
    assert.equal(spectrumLine([{ label: 'mp', values: values(2400) }], running, { spectrum: 3 }), 'computing… 2400 of 8000 eigenvalues');
    // A re-opened page: the kernel sent 8 batches, this model holds 2 so far.
    assert.equal(spectrumLine([{ label: 'mp', values: values(2000) }], status({ spectrum: { state: 'complete', batches: 8, rows: 8000 } }), { spectrum: 2 }), 'loading the data… 25%');
    assert.equal(spectrumLine([{ label: 'ntk', values: values(1) }], status({ spectrum: { state: 'cancelled', batches: 1, rows: 1 } }), { spectrum: 1 }), 'cancelled after 1 eigenvalue');
    assert.equal(spectrumLine([], status({}), {}), 'waiting for data');
    assert.equal(spectrumLine([], status({ spectrum: { state: 'running', batches: 0, rows: 0 } }, 'InvalidOptionError: bad'), {}), 'failed');
  });

  it('a refused batch counts as held: broken buffers are not "loading" forever', () => {
    const st = status({ spectrum: { state: 'complete', batches: 3, rows: 12 } });
    assert.equal(loadingPercent(st, { spectrum: 3 }), null);
    assert.equal(spectrumLine([{ label: 'ntk', values: values(4) }], st, { spectrum: 3 }), '4 eigenvalues');
  });

  it('kernel: how many kernels of which shape', () => {
    const k = (rows: number, cols = rows) => ({ rows, cols });
    const done = status({ tiles: { state: 'complete', batches: 20, rows: 20, expected: 20 } });
    assert.equal(kernelLine([k(600), k(600), k(600), k(600)], done, { tiles: 20 }), '4 kernels of 600 x 600');
    assert.equal(kernelLine([k(2000)], done, { tiles: 20 }), '1 kernel of 2000 x 2000');
    assert.equal(kernelLine([k(600), k(300), k(300)], done, { tiles: 20 }), '3 kernels: 600 x 600, 2 of 300 x 300');
    const running = status({ tiles: { state: 'running', batches: 9, rows: 9, expected: 16 } });
    assert.equal(kernelLine([k(2000)], running, { tiles: 9 }), 'computing… 9 of 16 row bands (1 kernel of 2000 x 2000 so far)');
  });

  it('sweep: points (seed, scaling, eta) against the sweep\'s total, then what the grid was', () => {
    const rows: SweepRows = emptySweepRows();
    const add = (seed: number, scaling: string, eta: number, statistic = 'value') => {
      // eta as applied is the multiplier times N^alpha: another value per scaling (alpha 0 or 1/2, N = 256).
      rows.eta.push(scaling === 'theta-1' ? eta : eta * 16); rows.eta_factor.push(eta); rows.scaling.push(scaling); rows.seed.push(seed); rows.width.push(256); rows.lambda.push(1e-3);
      rows.statistic.push(statistic);
      for (const k of ['alignment', 'alignment_w1', 'spike_norm', 'bulk_norm', 'risk_initial', 'risk_trained', 'risk_linear', 'risk_null', 'risk_lower_bound'] as const) rows[k].push(0.5);
    };
    // 2 scalings x 5 etas x 2 seeds = 20 points, and 2 summary rows per (scaling, eta): 40 rows expected.
    for (let e = 0; e < 5; e++) add(0, 'theta-1', e);
    for (let e = 0; e < 5; e++) add(0, 'theta-sqrt-n', e);
    for (let e = 0; e < 2; e++) add(1, 'theta-1', e);
    const running = status({ sweep: { state: 'running', batches: 12, rows: 12, expected: 40 } });
    assert.equal(sweepLine(rows, 2, running, { sweep: 12 }), 'computing… 12 of 20 points');
    for (let e = 2; e < 5; e++) add(1, 'theta-1', e);
    for (let e = 0; e < 5; e++) add(1, 'theta-sqrt-n', e);
    for (const s of ['theta-1', 'theta-sqrt-n']) for (let e = 0; e < 5; e++) for (const st of ['mean', 'std']) add(0, s, e, st);
    const done = status({ sweep: { state: 'complete', batches: 30, rows: 40, expected: 40 } });
    assert.equal(sweepLine(rows, 2, done, { sweep: 30 }), '20 points: 2 scalings × 5 η values × 2 seeds');
    assert.equal(sweepLine(emptySweepRows(), 2, status({ sweep: { state: 'running', batches: 0, rows: 0, expected: 40 } }), {}), 'computing… 0 of 20 points');
  });

  it('overall state and row progress as the progress bar reads them', () => {
    const st = status({ spectrum: { state: 'complete', batches: 1, rows: 10, expected: 10 }, density: { state: 'running', batches: 0, rows: 0, expected: null } });
    assert.equal(overallState(st), 'running');
    assert.deepEqual(rowProgress(st), { sent: 10, expected: null });
    assert.equal(overallState(status({})), 'idle');
  });
});
