/** spectrum(kernel): Arrow tables of full and layerwise spectra, spikes' eigenvectors, a law's distances, bad kernels. */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { densityLaws } from '../../src/arrow';
import { NonFiniteError, ShapeError } from '../../src/errors';
import { eigh } from '../../src/linalg';
import { mlp, twoLayer } from '../../src/models';
import { ck, Kernel, ntk, ntkLayerwise } from '../../src/ntk';
import { Rng } from '../../src/random';
import { spectrum, topSpectrum } from '../../src/spectra';
import { theoryFor } from '../../src/theory';
import { setupBackend } from '../helpers/setup';

before(setupBackend);

/** A Utf8 column's values as strings. */
const strings = (col: unknown): string[] => Array.from(col as Iterable<string>);

const data = (n: number, d: number, seed = 1): { rows: number; cols: number; data: Float32Array } => ({ rows: n, cols: d, data: new Rng(seed).normals32(n * d) });

describe('spectrum', () => {
  it('an NTK and its layerwise components: one Arrow table, descending per label, vectors of the spikes', async () => {
    const net = mlp({ inputDim: 20, widths: [64, 64], activation: 'relu', seed: 1 });
    const x = data(150, 20);
    const lw = await ntkLayerwise(net, x);
    const s = await spectrum(lw, { vectors: 'spikes', runId: 'run-1' });
    assert.equal(s.spectra.length, 1 + lw.components.length);
    assert.equal(s.table.numRows, 150 * s.spectra.length);
    assert.deepEqual(s.table.schema.fields.map((f) => f.name), ['index', 'eigenvalue', 'kernel_kind', 'label', 'run_id']);
    assert.equal(s.table.schema.metadata.get('result_kind'), 'spectrum');
    const labels = strings(s.table.getChild('label'));
    assert.deepEqual([...new Set(labels)], ['ntk', ...lw.components.map((c) => c.label)]);
    const ev = s.table.getChild('eigenvalue')?.toArray() as Float64Array;
    for (let i = 1; i < 150; i++) assert.ok(ev[i] <= ev[i - 1]);
    assert.equal(s.table.getChild('run_id')?.get(0), 'run-1');
    // Against LAPACK directly on the float64 kernel.
    const full = eigh({ rows: 150, cols: 150, data: lw.ntk.float64() }).values.reverse();
    for (let i = 0; i < 150; i++) assert.ok(Math.abs(ev[i] - full[i]) <= 1e-10 * full[0]);
    // relu's NTK has a dominant spike (the mean direction); its eigenvector comes with it.
    const top = s.spectra[0];
    assert.ok(top.spikes.count >= 1);
    assert.equal(top.vectors?.cols, top.spikes.count);
    // The spikes' eigenvectors (Lanczos on the matrix): unit, with residual |K v - lambda v| <= 1e-10 lambda_max.
    const K64 = lw.ntk.float64();
    const V = top.vectors as { rows: number; cols: number; data: Float64Array };
    for (let c = 0; c < V.cols; c++) {
      let norm = 0, res = 0;
      for (let i = 0; i < 150; i++) {
        let s = 0;
        for (let j = 0; j < 150; j++) s += K64[i * 150 + j] * V.data[j * V.cols + c];
        res = Math.max(res, Math.abs(s - top.eigenvalues[c] * V.data[i * V.cols + c]));
        norm += V.data[i * V.cols + c] ** 2;
      }
      assert.ok(Math.abs(norm - 1) < 1e-12 && res <= 1e-10 * full[0], `spike ${c}: |v|^2 = ${norm}, residual ${res}`);
    }
    assert.ok(top.summary.effectiveRank > 1 && top.summary.effectiveRank < 150);
    // Densities: histogram and kde for each kernel.
    const curves = new Set(strings(s.densities.getChild('curve')));
    assert.ok(curves.has('ntk:histogram') && curves.has('ntk:kde') && curves.has('layer2/weight:kde'));
    assert.equal(densityLaws(s.densities.schema.metadata)['ntk:histogram'].law, 'empirical');
  });

  it('with a law: distances, spikes against its edge, the law\'s curve in the densities', async () => {
    const net = twoLayer({ d: 60, N: 3000, activation: 'erf', seed: 4 });
    const x = data(150, 60, 2);
    const t = await theoryFor(net, x);
    const s = await spectrum(await ck(net, x), { theory: t });
    const d = s.spectra[0].distance;
    assert.ok(d && d.law === 'deformed-semicircle' && d.ks < 0.1 && d.w1 < 0.1, JSON.stringify(d));
    assert.equal(s.spectra[0].spikes.method, 'law-edge');
    assert.ok(strings(s.densities.getChild('curve')).includes('ck:layer1:theory'));
    await assert.rejects(spectrum(await ntk(net, x), { theory: t }), /the law of the ck, but kernels\[0\] \('ntk'\) is a ntk/);
  });

  it('topSpectrum: Lanczos on a kernel, with its table', async () => {
    const net = mlp({ inputDim: 10, widths: [32], activation: 'tanh', seed: 2 });
    const K = await ntk(net, data(120, 10, 3));
    const r = await topSpectrum(K, { k: 5 });
    const full = eigh({ rows: 120, cols: 120, data: K.float64() }).values.reverse();
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(r.values[i] - full[i]) <= 1e-8 * full[0]);
    assert.equal(r.table.numRows, 5);
    assert.equal(r.table.getChild('label')?.get(0), 'ntk');
  });

  it('refuses kernels without a spectrum: not square, not symmetric, non-finite, 3-D', async () => {
    const net = mlp({ inputDim: 5, widths: [8], seed: 1 });
    const cross = await ntk(net, data(6, 5, 1), data(4, 5, 2));
    await assert.rejects(spectrum(cross), (e: Error) => e instanceof ShapeError && /is 6 x 4; a spectrum needs a square kernel/.test(e.message));
    const bad = (values: Float32Array, shape: number[]): Kernel => new Kernel({ values, shape, kind: 'ntk', layout: 'trace', outputs: 1, label: 'bad', symmetric: true, backend: '', wallTimeMs: 0 });
    const v = Float32Array.of(1, 2, 3, 4);
    await assert.rejects(spectrum(bad(v, [2, 2])), (e: Error) => e instanceof ShapeError && /\('bad'\) \(2 x 2\) is not symmetric: .*\[1\]\[0\] = 3 but .*\[0\]\[1\] = 2/.test(e.message));
    await assert.rejects(spectrum(bad(Float32Array.of(1, NaN, NaN, 1), [2, 2])), NonFiniteError);
    await assert.rejects(spectrum(bad(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), [2, 2, 2])), /shape \[2, 2, 2\]; a spectrum needs a 2-D/);
    await assert.rejects(spectrum([]), /no kernels/);
    await assert.rejects(spectrum(bad(Float32Array.of(1, 0, 0, 1), [2, 2]), { vectors: -1 }), /opts.vectors/);
  });
});
