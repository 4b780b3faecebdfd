/**
 * Acceptance 2 (Monte Carlo): sampled matrices of size n = 2000 against their laws, each seeded (deterministic).
 *
 * Tolerances and why. The ESD of an n x n random matrix sits within O(log n / n) of its finite-n deterministic
 * equivalent in the bulk (eigenvalue rigidity) and within O(n^{-2/3}) at the edges, and KS >= 1/(2n) = 2.5e-4
 * from the ESD's steps alone; at n = 2000 that puts the attainable KS near 1e-3 to 2e-3. Each tolerance below
 * is about three times the value measured on this machine (in the test's comment), so it catches a wrong law,
 * wrong parameters or a wrong normalisation (each of which moves KS to 1e-2 or more) without being brittle.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { eighAsync, gram } from '../../src/linalg';
import { mlp, twoLayer, type Mlp } from '../../src/models';
import { ck, ntk } from '../../src/ntk';
import { Rng } from '../../src/random';
import { ksDistance, wasserstein1 } from '../../src/spectra';
import { fanWangNtk, hermite, lawDensity, marchenkoPastur, theoryFor } from '../../src/theory';
import { setupBackend } from '../helpers/setup';

before(setupBackend);

/** n x d standard normal rows rescaled to norm sqrt(d): Fan & Wang's unit-norm inputs in ntk-lab's units (x . x / d = 1). */
function sphereRows(n: number, d: number, seed: number): { rows: number; cols: number; data: Float32Array } {
  const x = new Rng(seed).normals32(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] ** 2;
    const f = Math.sqrt(d / s);
    for (let j = 0; j < d; j++) x[i * d + j] *= f;
  }
  return { rows: n, cols: d, data: x };
}

/** The linear-width case of the Fan-Wang tests: n = 2000 unit-norm inputs in d0 = 1000, two tanh layers of width 4000, no biases. */
function fanWangCase(): { n: number; d0: number; net: Mlp; x: { rows: number; cols: number; data: Float32Array } } {
  const n = 2000, d0 = 1000, width = 4000;
  // Fan & Wang's normalisation is not required (theoryFor rescales per layer); weightStd keeps the variances O(1).
  const net = mlp({ inputDim: d0, widths: [width, width], activation: 'tanh', weightStd: 1 / Math.sqrt(hermite('tanh').secondMoment), bias: false, seed: 3 });
  return { n, d0, net, x: sphereRows(n, d0, 7) };
}

/** KS distance between two empirical spectra of the same size (max gap between their CDFs). */
function ksTwoSample(a: Float64Array, b: Float64Array): number {
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0, j = 0, gap = 0;
  while (i < x.length && j < y.length) {
    const t = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= t) i++;
    while (j < y.length && y[j] <= t) j++;
    gap = Math.max(gap, Math.abs(i / x.length - j / y.length));
  }
  return gap;
}

describe('Monte Carlo at n = 2000', () => {
  it('Marchenko-Pastur: X X^T / N, X 2000 x 4000 Gaussian (KS <= 0.005, measured 1.7e-3)', async () => {
    const p = 2000, N = 4000;
    const s = gram({ rows: p, cols: N, data: new Rng(1).normals64(p * N) }, { alpha: 1 / N });
    const ev = (await eighAsync(s)).values;
    const law = lawDensity(marchenkoPastur({ ratio: p / N }));
    const ks = ksDistance(ev, law);
    assert.ok(ks <= 0.005, `KS ${ks}`);
    assert.ok(wasserstein1(ev, law) <= 0.005, `W1 ${wasserstein1(ev, law)}`);
  });

  it("Fan-Wang CK of 2 hidden tanh layers, n / d = 2, 0.5, 0.5 (KS <= 0.006, measured 1.8e-3)", async () => {
    const { n, net, x } = fanWangCase();
    const K = await ck(net, x);
    const ev = (await eighAsync({ rows: n, cols: n, data: K.values })).values;
    const t = await theoryFor(net, x, { kernel: 'ck' });
    assert.equal(t.regime, 'linear-width');
    assert.equal(t.law.name, 'fan-wang-ck');
    const ks = ksDistance(ev, t.density);
    assert.ok(ks <= 0.006, `KS ${ks}`);
    assert.ok(wasserstein1(ev, t.density) <= 0.006, `W1 ${wasserstein1(ev, t.density)}`);
    // The same spectrum against the wrong layer's law is far: the test can tell laws apart.
    const wrong = await theoryFor(net, x, { kernel: 'ck', layer: 1 });
    assert.ok(ksDistance(ev, wrong.density) > 0.03);
    net.dispose();
  });

  // Fan & Wang's NTK theorem: the NTK's spectrum approaches that of its linearisation r_+ I + sum_l q_l G_l
  // (G_l = CK_l / v_l, G_0 the input Gram), whose limit the law is. Two checks, because at this size the two
  // steps have very different errors. (1) The law against the linearisation built from this network's own CKs,
  // with theoryFor's coefficients: KS 2.2e-3 measured (tolerance 0.006, as for the CK); it tests the joint fixed
  // point of the sum and the derived coefficients r_+, q_l (a wrong r_+ moves the bottom edge by O(1): KS > 0.3).
  // (2) The NTK itself: KS 0.020 measured (0.018-0.037 over seeds 3-5; 0.025-0.060 at n = 1000), the linearisation's
  // finite-width error (the NTK's lower edge sits ~0.02 below it, the rest within 0.5%); the tolerance 0.05 states
  // that gap, not a sharper claim.
  it('Fan-Wang NTK, same network: the law vs its linearisation from the own CKs (KS <= 0.006, measured 2.2e-3), vs the NTK (KS <= 0.05, measured 0.020)', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const { n, d0, net, x } = fanWangCase();
    const t = await theoryFor(net, x, { kernel: 'ntk' });
    assert.equal(t.law.name, 'fan-wang-ntk');
    const p = t.parameters as { rPlus: number; q: number[]; ckScale: number[]; inputMeanSquare: number; ratios: number[]; b: number[] };
    const v = [p.inputMeanSquare, ...p.ckScale];
    const lin = new Float64Array(n * n);
    for (let l = 0; l < p.q.length; l++) {
      const c = await ck(net, x, undefined, { layer: l });
      const w = p.q[l] / v[l];
      for (let i = 0; i < n * n; i++) lin[i] += w * c.values[i];
    }
    for (let i = 0; i < n; i++) lin[i * n + i] += p.rPlus;
    const evLin = (await eighAsync({ rows: n, cols: n, data: lin })).values;
    const ksLin = ksDistance(evLin, t.density);
    assert.ok(ksLin <= 0.006, `KS(linearisation, law) ${ksLin}`);
    const K = await ntk(net, x);
    const ev = (await eighAsync({ rows: n, cols: n, data: K.values })).values;
    const ks = ksDistance(ev, t.density);
    assert.ok(ks <= 0.05, `KS(NTK, law) ${ks}`);
    // Consistent: the NTK is as far from its linearisation as from the law.
    assert.ok(Math.abs(ksTwoSample(ev, evLin) - ks) <= 0.01, `KS(NTK, linearisation) ${ksTwoSample(ev, evLin)} vs KS(NTK, law) ${ks}`);
    // Without r_+ the law misses the bottom of the spectrum by ~1.5: far.
    const g0 = gram({ rows: n, cols: d0, data: Float64Array.from(x.data) }, { alpha: 1 / (d0 * p.inputMeanSquare), trans: true });
    const input = Float64Array.from((await eighAsync(g0)).values, (e) => Math.max(0, e));
    const layers = p.ratios.map((ratio, i) => ({ ratio, b: p.b[i] }));
    const noRidge = lawDensity(fanWangNtk({ input: [...input, ...new Array<number>(n - d0).fill(0)], layers, rPlus: 0, q: p.q }));
    assert.ok(ksDistance(evLin, noRidge) > 0.3);
    net.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leak');
  });

  it("Wang-Zhu ultra-wide CK and NTK, d1 / n = 10: KS <= 0.006 with the width correction (measured 2.9e-3, NTK 2.2e-3), ~0.035 without", async () => {
    const n = 2000, d0 = 500, alpha = 10;
    const net = twoLayer({ d: d0, N: alpha * n, activation: 'tanh', seed: 5 });
    const x = { rows: n, cols: d0, data: new Rng(11).normals32(n * d0) };
    const K = await ck(net, x);
    const t = await theoryFor(net, x, { kernel: 'ck' });
    assert.equal(t.regime, 'ultra-wide');
    assert.equal(t.law.name, 'deformed-semicircle');
    const ev = (await eighAsync(t.prepare(K))).values;
    const ks = ksDistance(ev, t.density);
    assert.ok(ks <= 0.006, `KS ${ks}`);
    // The pure limit (alpha = infinity) is off by a finite-width skew of order 1/sqrt(alpha): what the correction is for.
    const pure = await theoryFor(net, x, { kernel: 'ck', widthCorrection: false });
    const ksPure = ksDistance(ev, pure.density);
    assert.ok(ksPure > 0.02 && ksPure < 0.06, `KS to the pure limit ${ksPure}`);
    // The NTK of the same network, centred at E NTK: the same law with nu from kappa_2 Phi (measured 2.2e-3
    // corrected, 0.035 pure; seed 6: 2.3e-3, 0.036).
    const tn = await theoryFor(net, x, { kernel: 'ntk' });
    assert.equal(tn.law.name, 'deformed-semicircle');
    const evn = (await eighAsync(tn.prepare(await ntk(net, x)))).values;
    const ksNtk = ksDistance(evn, tn.density);
    assert.ok(ksNtk <= 0.006, `NTK KS ${ksNtk}`);
    const pureNtk = ksDistance(evn, (await theoryFor(net, x, { kernel: 'ntk', widthCorrection: false })).density);
    assert.ok(pureNtk > 0.02 && pureNtk < 0.06, `NTK KS to the pure limit ${pureNtk}`);
    net.dispose();
  });
});
