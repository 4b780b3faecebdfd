/** Figure builders: histograms, spectrum traces, sweep curves and bands, risk baselines, heatmaps, update plans. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TiledKernel } from '../../src/figures/data/tile-data';
import { alignmentFigure } from '../../src/figures/builders/alignment';
import { checkPermutation, heatmapFigure, heatmapRows } from '../../src/figures/builders/heatmap';
import { densityHistogram } from '../../src/figures/builders/histogram';
import { planUpdate } from '../../src/figures/builders/plan';
import { riskFigure } from '../../src/figures/builders/risk';
import { spectrumFigure } from '../../src/figures/builders/spectrum';
import { emptySweepRows, SweepRows, sweepCurves } from '../../src/figures/builders/sweep';
import { countPoints, Figure } from '../../src/figures/builders/types';

const integral = (h: ReturnType<typeof densityHistogram>): number => h.density.reduce((s, d, i) => s + d * h.widths[i], 0);

describe('densityHistogram', () => {
  it('integrates to 1 with linear and log bins, and counts every finite value', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => Math.exp(Math.sin(i) * 3));
    const lin = densityHistogram(xs, { bins: 40 });
    assert.equal(lin.counts.length, 40);
    assert.equal(lin.counted, 1000);
    assert.ok(Math.abs(integral(lin) - 1) < 1e-12);
    const log = densityHistogram([...xs, -1, 0, NaN], { bins: 25, log: true });
    assert.equal(log.counted, 1000, 'log bins skip <= 0 and NaN');
    assert.ok(Math.abs(integral(log) - 1) < 1e-12);
    assert.ok(Math.abs(log.edges[1] / log.edges[0] - log.edges[25] / log.edges[24]) < 1e-9, 'log bins have equal ratios');
  });

  it('handles one distinct value and no values', () => {
    const one = densityHistogram([2, 2, 2]);
    assert.equal(one.counted, 3);
    assert.ok(Math.abs(integral(one) - 1) < 1e-12);
    assert.equal(densityHistogram([]).counts.length, 0);
  });
});

describe('spectrumFigure', () => {
  const series = [
    { label: 'ntk', kind: 'ntk', values: [1, 2, 2, 3, 10] },
    { label: 'layer1/weight', kind: 'ntk-component', values: [0.5, 1, 1.5, 0.7, 0.9, 1.2] },
  ];
  const curves = [
    { curve: 'ntk:theory', law: 'fan-wang', x: [0, 1, 2, 3], density: [0, 0.3, 0.4, 0.2] },
    { curve: 'ntk:kde', law: 'empirical', x: [1, 2, 3], density: [0.2, 0.5, 0.3] },
    { curve: 'mp', law: 'marchenko-pastur', x: [0.1, 1], density: [1, 0.5] },
  ];
  const stats = { ntk: { law: 'fan-wang', ks: 0.05, w1: 0.1, spikes: [10] } };

  it('draws a histogram per kernel, the theory, spikes, free laws and the distances', () => {
    const f = spectrumFigure(series, curves, stats, { mode: 'histogram', bins: 4, logX: false, logY: false, hidden: [] });
    assert.deepEqual(f.data.map((t) => t.name), ['ntk (n=5)', 'ntk theory (fan-wang)', 'ntk spikes (1)', 'layer1/weight (n=6)', 'mp (marchenko-pastur)']);
    assert.equal(f.data[0].type, 'bar');
    assert.equal(f.data[0].x?.length, 4);
    assert.match(f.layout.annotations?.[0].text ?? '', /ntk: KS 0.0500, W1 0.100 \(fan-wang\)/);
  });

  it('uses the KDE in density mode, hides toggled kernels, and drops what a log axis cannot show', () => {
    const f = spectrumFigure(series, curves, stats, { mode: 'density', bins: null, logX: true, logY: true, hidden: ['layer1/weight'] });
    assert.equal(f.data.find((t) => t.name === 'ntk (n=5)')?.x?.length, 3);
    assert.ok(!f.data.some((t) => t.name?.startsWith('layer1')));
    const theory = f.data.find((t) => t.name === 'ntk theory (fan-wang)');
    assert.deepEqual(theory?.x, [1, 2, 3], 'x = 0 and density 0 are dropped on log axes');
    const spikes = f.data.find((t) => t.mode === 'markers');
    assert.ok((spikes?.y?.[0] ?? 0) > 0, 'spike markers sit on a log axis');
    assert.equal(f.layout.xaxis?.type, 'log');
    assert.equal(f.layout.yaxis?.title?.text, 'density per decade');
  });

  it('a rank-one component on a log axis: its zeros are left out and its one value is a spike, not a histogram', () => {
    const bias = { label: 'layer2/bias', kind: 'ntk-component', values: [3, ...Array.from({ length: 99 }, () => 1e-17)] };
    const f = spectrumFigure([bias], [], {}, { mode: 'histogram', bins: null, logX: true, logY: false, hidden: [] });
    assert.deepEqual(f.data.map((t) => [t.name, t.type, Array.from(t.x ?? [])]), [['layer2/bias spikes (1)', 'scatter', [3]]]);
  });

  it('clips a law that diverges at an edge to the histogram\'s scale', () => {
    const sr = [{ label: 'ck', kind: 'ck', values: Array.from({ length: 200 }, (_, i) => (i + 1) / 100) }];
    const law = [{ curve: 'ck:theory', law: 'marchenko-pastur', x: [0.001, 1, 2], density: [1000, 0.5, 0.4] }];
    const f = spectrumFigure(sr, law, {}, { mode: 'histogram', bins: 10, logX: false, logY: false, hidden: [] });
    assert.ok(f.layout.yaxis?.range && f.layout.yaxis.range[1] < 2, JSON.stringify(f.layout.yaxis?.range));
  });
});

function rows(points: { scaling: string; eta: number; seed: number; risk: number; align?: number }[]): SweepRows {
  const r = emptySweepRows();
  for (const p of points) {
    r.eta.push(p.eta); r.eta_factor.push(p.eta); r.scaling.push(p.scaling); r.seed.push(p.seed); r.width.push(8); r.lambda.push(1e-3);
    r.statistic.push('value'); r.alignment.push(0.5); r.alignment_w1.push(p.align ?? 0.5); r.spike_norm.push(p.eta); r.bulk_norm.push(1);
    r.risk_initial.push(0.3); r.risk_trained.push(p.risk); r.risk_linear.push(0.25); r.risk_null.push(1); r.risk_lower_bound.push(NaN);
  }
  return r;
}

describe('sweep figures', () => {
  const data = rows([
    { scaling: 'theta-1', eta: 1, seed: 0, risk: 0.2 },
    { scaling: 'theta-1', eta: 1, seed: 1, risk: 0.4 },
    { scaling: 'theta-1', eta: 0, seed: 0, risk: 0.3 },
    { scaling: 'theta-sqrt-n', eta: 1, seed: 0, risk: 0.1 },
  ]);

  it('averages seeds per point, with the sample standard deviation, x ascending', () => {
    const c = sweepCurves(data, 'risk_trained', 'eta');
    assert.deepEqual(c.map((x) => x.key), ['theta-1', 'theta-sqrt-n']);
    assert.deepEqual(c[0].x, [0, 1]);
    assert.ok(Math.abs(c[0].mean[1] - 0.3) < 1e-12);
    assert.ok(Math.abs(c[0].std[1] - Math.sqrt(0.02)) < 1e-12);
    assert.deepEqual(c[0].count, [1, 2]);
  });

  it('reads mean/std rows when there are no per-seed rows', () => {
    const r = rows([{ scaling: 'theta-1', eta: 1, seed: 0, risk: 0.3 }, { scaling: 'theta-1', eta: 1, seed: 0, risk: 0.1 }]);
    r.statistic = ['mean', 'std'];
    const c = sweepCurves(r, 'risk_trained', 'eta');
    assert.deepEqual([c[0].mean, c[0].std], [[0.3], [0.1]]);
  });

  it('risk: a band where seeds spread, one curve per scaling, baselines as flat lines, NaN baselines left out', () => {
    const f = riskFigure(data, { x: 'eta', logX: false, logY: false });
    assert.deepEqual(f.data.map((t) => t.name), ['theta-1: after step ± sd', 'theta-1: after step', 'theta-sqrt-n: after step', 'before step (random features) (0.300)', 'best linear (0.250)']);
    assert.equal(f.data[0].fill, 'toself');
    assert.deepEqual(f.data[3].x, [0, 1]);
  });

  it('alignment: two panels, spike and bulk on the lower one', () => {
    const f = alignmentFigure(data, { x: 'eta', logX: false });
    assert.ok(f.data.some((t) => t.name === 'theta-1: spike ‖·‖' && t.yaxis === 'y2'));
    assert.ok(f.data.some((t) => t.name === 'theta-sqrt-n: W1 alignment' && t.yaxis === undefined));
    assert.deepEqual(f.layout.yaxis2?.domain, [0, 0.45]);
  });
});

describe('heatmaps', () => {
  const kernel = (n: number): TiledKernel => {
    const values = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) values[i] = i;
    return { label: 'ntk', kind: 'ntk', rows: n, cols: n, values, filled: n * n };
  };

  it('permutes rows and columns together', () => {
    const { z } = heatmapRows(kernel(3), Int32Array.of(2, 0, 1), 10);
    assert.deepEqual(z.map((r) => Array.from(r)), [[8, 6, 7], [2, 0, 1], [5, 3, 4]]);
  });

  it('shows large kernels as block means, skipping cells not received', () => {
    const k = kernel(4);
    k.values[0] = NaN;
    const { z, block } = heatmapRows(k, null, 2);
    assert.equal(block, 2);
    assert.deepEqual(z.map((r) => Array.from(r)), [[Math.fround((1 + 4 + 5) / 3), 4.5], [10.5, 12.5]]);
    const f = heatmapFigure(k, { order: null, orderName: 'index', maxSide: 2, colorscale: 'Viridis' });
    assert.equal(countPoints(f), 4);
    assert.match(f.layout.title?.text ?? '', /4 x 4, order: index, 2x2 block means/);
  });

  it('checks permutations', () => {
    assert.equal(checkPermutation([1, 0, 2], 3), undefined);
    assert.match(checkPermutation([1, 1, 2], 3) ?? '', /not a permutation/);
    assert.match(checkPermutation([0, 1], 3) ?? '', /2 entries for 3 rows/);
  });
});

describe('planUpdate', () => {
  const fig = (xs: number[][], layout = {}): Figure => ({ data: xs.map((x, i) => ({ type: 'scatter', mode: 'lines', name: `t${i}`, x, y: x.map((v) => v * 2) })), layout });

  it('extends traces whose points were only appended', () => {
    const p = planUpdate(fig([[1, 2], [5]]), fig([[1, 2, 3, 4], [5]]));
    assert.deepEqual(p, { kind: 'extend', indices: [0], x: [[3, 4]], y: [[6, 8]] });
  });

  it('reacts to new traces, changed points, changed styles or layout; does nothing when equal', () => {
    assert.equal(planUpdate(undefined, fig([[1]])).kind, 'react');
    assert.equal(planUpdate(fig([[1]]), fig([[1], [2]])).kind, 'react');
    assert.equal(planUpdate(fig([[1, 2]]), fig([[1, 3, 4]])).kind, 'react');
    assert.equal(planUpdate(fig([[1]]), fig([[1, 2]], { uirevision: 'x' })).kind, 'react');
    const styled = fig([[1, 2]]);
    styled.data[0].line = { color: 'red' };
    assert.equal(planUpdate(fig([[1]]), styled).kind, 'react');
    assert.equal(planUpdate(fig([[1, 2]]), fig([[1, 2]])).kind, 'none');
  });

  it('never extends bars or heatmaps (a histogram rebins as values arrive)', () => {
    const bar = (y: number[]): Figure => ({ data: [{ type: 'bar', x: y.map((_, i) => i), y }], layout: {} });
    assert.equal(planUpdate(bar([1]), bar([1, 2])).kind, 'react');
    assert.equal(planUpdate(bar([1, 2]), bar([1, 2])).kind, 'none');
  });
});
