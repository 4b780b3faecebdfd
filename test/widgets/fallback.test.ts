/**
 * The kernel-side widgets outside the ntk-lab kernel (plain Node): they compute, keep their state, and
 * their display bundle holds the static figure (text/plain, plotly JSON, SVG or PNG) and no live view.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KernelWidget, RiskWidget, SpectrumWidget, staticBundle, PLOTLY_MIME } from '../../src/display';
import { Kernel } from '../../src/ntk/kernel';
import { spectrum } from '../../src/spectra';
import { WIDGET_VIEW_MIME } from '../../src/kernel/widgets/protocol';
import { spectrumBytes } from './helpers';

function gram(n: number, seed: number): Kernel {
  // X X^T / d for a deterministic X: symmetric positive semi-definite, with a spread of eigenvalues.
  const d = 2 * n;
  const x = new Float64Array(n * d);
  let s = seed;
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = s / 2147483648 - 0.5;
  }
  const v = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let acc = 0;
    for (let k = 0; k < d; k++) acc += x[i * d + k] * x[j * d + k];
    v[i * n + j] = acc / d;
  }
  return new Kernel({ values: v, shape: [n, n], kind: 'ntk', layout: 'trace', outputs: 1, label: 'ntk', symmetric: true, backend: 'test', wallTimeMs: 0 });
}

describe('static fallback', () => {
  it('RiskWidget runs a small sweep and shows it as SVG and plotly JSON (no NaN in the JSON)', async () => {
    const w = new RiskWidget({ n: 64, d: 16, width: 32, etaMax: 2, etaPoints: 3, seeds: 2 });
    const out = await w.run();
    assert.deepEqual(out.sweep, { state: 'complete', rows: 2 * 3 * 2 + 2 * 3 * 2 });
    const b = w.bundle();
    assert.equal(b[WIDGET_VIEW_MIME], undefined, 'no live view without a front end');
    assert.match(String(b['text/plain']), /RiskWidget \(eta 0\.\.2 \(3 points\), lambda 0\.001, N 32, 2 seeds, n 64, d 16\): 24 rows; theta-1: min risk/);
    assert.match(String(b['image/svg+xml']), /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const json = JSON.stringify(b[PLOTLY_MIME]);
    assert.doesNotMatch(json, /NaN|Infinity/);
    const fig = JSON.parse(json) as { data: { name: string }[] };
    assert.ok(fig.data.some((t) => t.name === 'theta-sqrt-n: after step'));
    assert.equal(w.model.state.data_status && (w.model.state.data_status as { generation: number }).generation, 1);
  });

  it('RiskWidget.update recomputes with the new lambda; bad parameters are refused by name', async () => {
    const w = new RiskWidget({ n: 64, d: 16, width: 32, etaMax: 1, etaPoints: 2, seeds: 1 });
    await w.run();
    await w.update({ lambda: 0.1 });
    assert.equal(w.params.lambda, 0.1);
    assert.equal(w.model.state.lambda, 0.1);
    assert.equal((w.model.state.data_status as { generation: number }).generation, 2);
    assert.throws(() => w.update({ etaPoints: 0 }), /etaPoints must be an integer in 1\.\.256, got 0/);
  });

  it('SpectrumWidget streams a spectrum() result in batches; the fallback carries its histogram and distances', async () => {
    const s = await spectrum([gram(60, 1)]);
    const w = new SpectrumWidget({ batchRows: 25, bins: 12 });
    const out = await w.show(s);
    assert.deepEqual(out.spectrum, { state: 'complete', rows: 60 });
    const st = w.model.state.data_status as { streams: Record<string, { batches: number }> };
    assert.equal(st.streams.spectrum.batches, 3);
    const b = w.bundle();
    assert.match(String(b['text/plain']), /SpectrumWidget: ntk \(n=60/);
    const fig = b[PLOTLY_MIME] as { data: { type: string; x: number[] }[] };
    assert.equal(fig.data[0].type, 'bar');
    assert.equal(fig.data[0].x.length, 12);
  });

  it('a truncated buffer sent to a widget is reported, not thrown', () => {
    const w = new SpectrumWidget();
    const good = spectrumBytes([1, 2, 3]);
    w.sendIpc('spectrum', good.subarray(0, good.byteLength - 40), 3);
    assert.match(String(w.bundle()['text/plain']), /errors: spectrum batch 0: /);
  });

  it('KernelWidget streams tiles, adds label and spectral orderings, and falls back to a PNG', async () => {
    const k = gram(40, 2);
    const w = new KernelWidget({ labels: Array.from({ length: 40 }, (_, i) => i % 3), tileRows: 7 });
    const out = await w.show(k);
    assert.deepEqual(out.tiles, { state: 'complete', rows: 6 });
    const orderings = w.model.state.orderings as Record<string, Uint8Array>;
    assert.deepEqual(Object.keys(orderings).sort(), ['label', 'spectral']);
    assert.equal(orderings.label.byteLength, 160);
    const b = w.bundle();
    const png = b['image/png'] as Buffer;
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.match(String(b['text/plain']), /ntk 40x40 \(complete\)/);
    assert.throws(() => w.setOrdering('bad', [0, 0, 1]), /not a permutation/);
  });

  it('staticBundle without data is the text alone', () => {
    assert.deepEqual(Object.keys(staticBundle('nothing yet', undefined)), ['text/plain']);
  });
});
