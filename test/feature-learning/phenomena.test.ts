/**
 * Acceptance 2 (part 1): the phenomena of one gradient step (Ba et al. 2022, arXiv 2205.01445) at the paper's
 * proportions psi1 = n/d = 8, psi2 = N/d = 2, with lambda = 1e-3 and label noise 0.1, d = 256 (n = 2048, N = 512),
 * sigma = sigma* = erf, four fixed seeds, a 4096-point test set. One sweep serves every claim below; each test names
 * the claim of the paper it checks and its margin. (The eta = sqrt(N) claims are in phenomena-large-eta.test.ts,
 * at d = 512: at d = 256 their margins are within the seed-to-seed spread for tanh/tanh.)
 * Learning rates: eta = Theta(1) multipliers 0, 1, 2, 3, 4, 6, 8 ('theta-1'), and eta = sqrt(N) ('theta-sqrt-n', 1).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OneStepSweepRow } from '../../src/arrow/kinds/one-step-sweep';
import { teacherMoments } from '../../src/feature-learning';
import { setupBackend } from '../helpers/setup';
import { collectSweep, fmt, mean, perSeed, summary } from './helpers';

const SMALL = [0, 1, 2, 3, 4, 6, 8];
const SEEDS = [0, 1, 2, 3];
const D = 256;
const NOISE = 0.1;
let rows: OneStepSweepRow[];

before(async () => {
  await setupBackend();
  rows = await collectSweep({
    n: 8 * D, d: D, N: 2 * D, activation: 'erf', teacher: 'erf', noise: NOISE, lambdas: 1e-3,
    etas: SMALL, scalings: ['small'], seeds: SEEDS, nTest: 4096,
  });
  const large = await collectSweep({
    n: 8 * D, d: D, N: 2 * D, activation: 'erf', teacher: 'erf', noise: NOISE, lambdas: 1e-3,
    etas: [1], scalings: ['large'], seeds: SEEDS, nTest: 4096,
  });
  rows.push(...large);
});

test('Proposition 2: the gradient G0 is a spike (s1/s2 >= 10, ||G0 - A|| <= 0.1 ||A||) whose top left singular vector aligns with beta*', (t) => {
  // A = (mu1/(n sqrt N)) X^T y a^T points along X^T y / n = mu1* beta* + sampling noise of squared norm ~ E y^2 d/n, so
  // its cosine with beta* is mu1* / sqrt(mu1*^2 + (E f*^2 + noise^2) / psi1) = 0.936 for erf at psi1 = 8.
  const m = teacherMoments('erf');
  const predicted = m.mu1 / Math.sqrt(m.mu1 * m.mu1 + (m.power + NOISE * NOISE) / 8);
  const r = perSeed(rows, 'theta-1', 1);
  const ratios = r.map((x) => x.spikeNorm / x.bulkNorm);
  t.diagnostic(`|<u1(G0), beta*>| = ${fmt(r.map((x) => x.alignment), 3)} (predicted ${predicted.toFixed(3)}); s1/s2 = ${fmt(ratios, 1)}; ||G0 - A||/||A|| = ${fmt(r.map((x) => x.spikeResidual!), 3)}`);
  assert.equal(r.length, SEEDS.length);
  for (const x of r) {
    assert.ok(Math.abs(x.alignment - predicted) <= 0.03, `alignment ${x.alignment} vs predicted ${predicted} (margin 0.03)`);
    assert.ok(x.spikeNorm / x.bulkNorm >= 10, `spike/bulk ${x.spikeNorm / x.bulkNorm} (need >= 10)`);
    assert.ok(x.spikeResidual! <= 0.1, `||G0 - A|| / ||A|| = ${x.spikeResidual} (need <= 0.1)`);
  }
});

test('BBP transition: W1 = W0 + eta sqrt(N) G0 has its top singular vector along beta* only beyond a threshold in eta, and the alignment grows with eta', (t) => {
  // The spike eta sqrt(N) s1(G0) separates from W0's bulk beyond (N/d)^(1/4) (rank-one perturbation of a Gaussian
  // matrix, Benaych-Georges & Nadakuditi): eta_bbp = (N/d)^(1/4) / (sqrt(N) s1(G0)), reported per seed (~2.5 here).
  const curves = SEEDS.map((seed) => SMALL.map((e) => perSeed(rows, 'theta-1', e)[SEEDS.indexOf(seed)]));
  const etaBbp = curves.map((c) => c[0].etaBbp!);
  t.diagnostic(`eta_bbp per seed = ${fmt(etaBbp, 2)}`);
  t.diagnostic(`mean |<u1(W1), beta*>| at eta = ${SMALL.join(', ')}: ${fmt(SMALL.map((e) => summary(rows, 'theta-1', e, 'mean').alignmentW1!), 3)}`);
  for (const [s, curve] of curves.entries()) {
    for (const x of curve) {
      const ratio = x.etaFactor! / etaBbp[s];
      // Margins: below 0.85 eta_bbp the alignment is that of the bulk edge, O(1/sqrt d) plus finite-size leakage.
      if (ratio <= 0.85) assert.ok(x.alignmentW1! < 0.25, `seed ${SEEDS[s]} eta ${x.etaFactor} (${ratio.toFixed(2)} eta_bbp): ${x.alignmentW1}`);
      if (ratio >= 1.5) assert.ok(x.alignmentW1! > 0.6, `seed ${SEEDS[s]} eta ${x.etaFactor} (${ratio.toFixed(2)} eta_bbp): ${x.alignmentW1}`);
    }
    // Growth past the threshold: strictly increasing from the first eta above eta_bbp.
    const above = curve.filter((x) => x.etaFactor! > etaBbp[s]);
    assert.ok(above.length >= 3, 'the grid reaches well beyond the threshold');
    for (let i = 1; i < above.length; i++) assert.ok(above[i].alignmentW1! > above[i - 1].alignmentW1!, `seed ${SEEDS[s]}: alignment not increasing at eta ${above[i].etaFactor}`);
  }
  for (const e of etaBbp) assert.ok(e > 1.5 && e < 4, `eta_bbp ${e} outside the grid's transition region`);
});

test('eta = Theta(1): ridge on the trained CK beats random features but stays above the kernel lower bound mu2*^2 (the best linear model)', (t) => {
  // The paper: for eta = Theta(1) the trained CK improves on the initial CK (random features) yet its risk is at least
  // mu2*^2 = E f*^2 - mu1*^2 = 0.0401 for erf. Margins: at every eta > 0 each seed improves on random features (paired:
  // same data), by >= 0.01 on average at eta = 4, and stays >= mu2*^2 + 0.01.
  const lb = teacherMoments('erf').nonlinearPower;
  for (const e of SMALL.slice(1)) {
    for (const x of perSeed(rows, 'theta-1', e)) {
      assert.ok(Math.abs(x.riskLowerBound! - lb) < 1e-12);
      assert.ok(x.riskTrained < x.riskInitial, `seed ${x.seed} eta ${e}: trained ${x.riskTrained} >= random features ${x.riskInitial}`);
      assert.ok(x.riskTrained >= lb + 0.01, `seed ${x.seed} eta ${e}: trained ${x.riskTrained} below mu2*^2 + 0.01 = ${lb + 0.01}`);
    }
  }
  const m4 = summary(rows, 'theta-1', 4, 'mean');
  t.diagnostic(`mean risks: random features ${m4.riskInitial.toFixed(4)}, trained at eta = 1..8: ${fmt(SMALL.slice(1).map((e) => summary(rows, 'theta-1', e, 'mean').riskTrained))}, mu2*^2 = ${lb.toFixed(4)}, tuned linear ${m4.riskLinear!.toFixed(4)}, null ${m4.riskNull!.toFixed(4)}`);
  assert.ok(m4.riskInitial - m4.riskTrained >= 0.01, `mean improvement at eta = 4: ${m4.riskInitial - m4.riskTrained}`);
});

test('Gaussian equivalence (eta = Theta(1), odd sigma): the Hermite-coefficient prediction follows the simulated risk', (t) => {
  // The paper's Gaussian-equivalent model for eta = Theta(1); evaluated by the deterministic equivalent of Gaussian
  // ridge given W1. Margins: within 3% of the simulated risk for eta <= 4. Beyond, eta / sqrt(N) is no longer small
  // (0.35 at eta = 8): the simulated risk drops below the prediction (the features start to learn the nonlinear part of
  // f*, which the linear-Gaussian model cannot), so there only the sign and a 15% bound are checked.
  const worst: number[] = [];
  for (const e of SMALL) {
    const r = perSeed(rows, 'theta-1', e);
    const errs = r.map((x) => Math.abs(x.riskGaussianEquivalent! - x.riskTrained) / x.riskTrained);
    worst.push(Math.max(...errs));
    assert.ok(Math.max(...errs) <= (e <= 4 ? 0.03 : 0.15), `eta ${e}: relative gap ${Math.max(...errs)}`);
    if (e > 4) for (const x of r) assert.ok(x.riskGaussianEquivalent! > x.riskTrained, `eta ${e}, seed ${x.seed}: prediction below the simulation`);
  }
  t.diagnostic(`max relative gap |GE - simulated| / simulated at eta = ${SMALL.join(', ')}: ${fmt(worst, 4)}`);
  for (const x of perSeed(rows, 'theta-sqrt-n', 1)) assert.ok(Number.isNaN(x.riskGaussianEquivalent!), 'no prediction where the paper states none');
});

test('eta = sqrt(N) at d = 256 (erf/erf): every seed beats the tuned linear model and the mean goes below mu2*^2', (t) => {
  // The paper's large-learning-rate claim (erf/erf, Figure 3(c)'s setting). At d = 256 single seeds scatter by ~0.003
  // around the mean, so the claim is checked on the mean here and seed by seed at d = 512 (phenomena-large-eta).
  const lb = teacherMoments('erf').nonlinearPower;
  const r = perSeed(rows, 'theta-sqrt-n', 1);
  const risks = r.map((x) => x.riskTrained);
  t.diagnostic(`eta = sqrt(N): trained ${fmt(risks)} (mean ${mean(risks).toFixed(4)}), tuned linear ${fmt(r.map((x) => x.riskLinear!))}, mu2*^2 = ${lb.toFixed(4)}`);
  for (const x of r) assert.ok(x.riskTrained < x.riskLinear!, `seed ${x.seed}: ${x.riskTrained} >= linear ${x.riskLinear}`);
  assert.ok(mean(risks) < lb, `mean ${mean(risks)} >= mu2*^2 ${lb}`);
});
