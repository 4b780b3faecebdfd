/** theoryFor(model, data): which law, its parameters from the model and the data, its Arrow table, and refusals. */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { densityLaws } from '../../src/arrow';
import { InvalidOptionError, ShapeError, UnsupportedModelError } from '../../src/errors';
import { mlp, twoLayer } from '../../src/models';
import { ck } from '../../src/ntk';
import { Rng } from '../../src/random';
import { hermite, theoryFor } from '../../src/theory';
import { setupBackend } from '../helpers/setup';

before(setupBackend);

const x = (n: number, d: number, seed = 1): { rows: number; cols: number; data: Float32Array } => ({ rows: n, cols: d, data: new Rng(seed).normals32(n * d) });

describe('theoryFor', () => {
  it('linear width: per-layer variances and b from the model, the Fan & Wang normalisation recovered', async () => {
    const sw = 1 / Math.sqrt(hermite('erf').secondMoment);
    const net = mlp({ inputDim: 100, widths: [300, 200], activation: 'erf', weightStd: sw, bias: false, seed: 1 });
    const data = x(150, 100);
    const t = await theoryFor(net, data);
    assert.equal(t.regime, 'linear-width');
    assert.equal(t.kernel, 'ck');
    const p = t.parameters as { preactivationVariance: number[]; b: number[]; ratios: number[]; ckScale: number[]; layer: number };
    assert.deepEqual(p.ratios, [0.5, 0.75]);
    assert.equal(p.layer, 2);
    // tau_1 = sw^2 mean ||x||^2 / d (weights' mean square ~1, within sampling error); b = E sigma'(xi) of the normalised activation.
    assert.ok(Math.abs(p.preactivationVariance[0] / (sw * sw) - 1) < 0.05);
    const h = hermite('erf', { scale: Math.sqrt(p.preactivationVariance[0]) });
    assert.ok(Math.abs(p.b[0] - (Math.sqrt(p.preactivationVariance[0]) * h.derivativeMean) / Math.sqrt(h.secondMoment)) < 1e-12);
    assert.ok(Math.abs(t.density.total - 1) < 1e-4);
    assert.equal(t.transform.kind, 'identity');
    // The Arrow table: one curve, the law and its parameters in the `laws` metadata.
    assert.equal(t.table.numRows, t.density.x.length);
    const laws = densityLaws(t.table.schema.metadata);
    assert.equal(laws.theory.law, 'fan-wang-ck');
    assert.equal(t.table.schema.metadata.get('result_kind'), 'density');
    // The NTK's law sits above r_+.
    const tn = await theoryFor(net, data, { kernel: 'ntk' });
    const rPlus = (tn.parameters as { rPlus: number }).rPlus;
    assert.ok(rPlus > 0 && tn.density.support[0][0] >= rPlus - 1e-9);
  });

  it('ultra-wide: centring by the exact expected kernel, scaling by sqrt(d1 / n)', async () => {
    const net = twoLayer({ d: 40, N: 1000, activation: 'erf', seed: 2 });
    const data = x(50, 40, 3);
    const t = await theoryFor(net, data);
    assert.equal(t.regime, 'ultra-wide');
    assert.equal(t.law.name, 'deformed-semicircle');
    assert.ok(t.transform.kind === 'centred' && Math.abs(t.transform.scale - Math.sqrt(20)) < 1e-12);
    const K = await ck(net, data);
    const M = t.prepare(K);
    if (t.transform.kind !== 'centred') throw new Error('unreachable');
    const { centre, scale } = t.transform;
    assert.ok(Math.abs(M.data[7] - scale * (K.values[7] - centre.data[7])) < 1e-9);
    // The centre is E CK: close to the empirical CK entrywise at this width.
    let worst = 0;
    for (let i = 0; i < K.values.length; i++) worst = Math.max(worst, Math.abs(K.values[i] - centre.data[i]));
    assert.ok(worst < 0.2, `|CK - Phi| max ${worst}`);
    assert.throws(() => t.prepare({ rows: 3, cols: 3, data: new Float64Array(9) }), (e: Error) => e instanceof ShapeError && /must be 50 x 50/.test(e.message));
    // regime forced: linear width for the same model (one layer) works too.
    const lw = await theoryFor(net, data, { regime: 'linear-width' });
    assert.equal(lw.law.name, 'fan-wang-ck');
  });

  it('refuses what the laws do not cover, naming why', async () => {
    const data = x(30, 20);
    const relu = mlp({ inputDim: 20, widths: [40, 40], activation: 'relu', bias: false });
    await assert.rejects(theoryFor(relu, data), (e: Error) => e instanceof UnsupportedModelError && /centred activation .* relu/.test(e.message));
    const biased = mlp({ inputDim: 20, widths: [40], activation: 'tanh', bias: true });
    await assert.rejects(theoryFor(biased, data, { regime: 'linear-width' }), /without biases, but layer1 has one/);
    const deep = mlp({ inputDim: 20, widths: [400, 400], activation: 'tanh', bias: false });
    await assert.rejects(theoryFor(deep, data, { regime: 'ultra-wide' }), /one hidden layer; this model has 2/);
    const multi = mlp({ inputDim: 20, widths: [40], outputDim: 3, activation: 'tanh', bias: false });
    await assert.rejects(theoryFor(multi, data, { kernel: 'ntk' }), /scalar outputs; this model has 3/);
    const ok = mlp({ inputDim: 20, widths: [40], activation: 'tanh', bias: false });
    await assert.rejects(theoryFor(ok, data, { kernel: 'cnn' as 'ck' }), InvalidOptionError);
    await assert.rejects(theoryFor(ok, data, { layer: 2 }), /opts.layer must be a hidden layer 1..1/);
    await assert.rejects(theoryFor(ok, x(30, 19)), /dimension 19, the model expects 20/);
  });
});
