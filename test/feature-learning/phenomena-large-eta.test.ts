/**
 * Acceptance 2 (part 2): with a large learning rate, eta = sqrt(N) (Theta(sqrt N)), one step takes ridge on the CK
 * below the kernel lower bound mu2*^2 = E f*^2 - mu1*^2 and below the tuned linear model, for sigma = sigma* = erf
 * (the paper's Figure 3(c) pair) and for tanh/tanh (part 1 shows eta = Theta(1) staying above the bound).
 * psi1 = 8, psi2 = 2, lambda = 1e-3, noise 0.1 as in part 1, but d = 512 (n = 4096, N = 1024), three fixed seeds,
 * a 4096-point test set: at d = 256 the tanh/tanh margin at eta = sqrt(N) (mean 0.0269 +- 0.0026 over six seeds vs
 * mu2*^2 = 0.0274) is inside the seed-to-seed spread, while at d = 512 the spread shrinks (+-0.001) and the mean
 * drops (0.024): the claim is asymptotic, and this is the smallest size where single seeds show it clearly.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { OneStepSweepRow } from '../../src/arrow/kinds/one-step-sweep';
import { teacherMoments } from '../../src/feature-learning';
import type { ActivationName } from '../../src/models/activations';
import { setupBackend } from '../helpers/setup';
import { collectSweep, fmt, perSeed } from './helpers';

const D = 512;
const SEEDS = [0, 1, 2];
const PAIRS: ActivationName[] = ['erf', 'tanh'];
const results = new Map<ActivationName, OneStepSweepRow[]>();

before(async () => {
  await setupBackend();
  for (const act of PAIRS) {
    results.set(act, await collectSweep({
      n: 8 * D, d: D, N: 2 * D, activation: act, teacher: act, noise: 0.1, lambdas: 1e-3,
      etas: [1], scalings: ['large'], seeds: SEEDS, nTest: 4096, gaussianEquivalent: false,
    }));
  }
});

for (const act of PAIRS) {
  test(`eta = sqrt(N), ${act}/${act}: the trained CK goes below mu2*^2 and below the tuned linear model, seed by seed`, (t) => {
    const lb = teacherMoments(act).nonlinearPower;
    const rows = results.get(act)!;
    const large = perSeed(rows, 'theta-sqrt-n', 1);
    t.diagnostic(`${act}/${act} d = ${D}: eta = sqrt(N) risks ${fmt(large.map((x) => x.riskTrained))}; tuned linear ${fmt(large.map((x) => x.riskLinear!))}; mu2*^2 = ${lb.toFixed(4)}; random features ${fmt(large.map((x) => x.riskInitial))}`);
    assert.equal(large.length, SEEDS.length);
    for (const x of large) {
      assert.equal(x.eta, Math.sqrt(2 * D));
      // Margins: 5% of mu2*^2 below the bound, and below the tuned linear model.
      assert.ok(x.riskTrained < 0.95 * lb, `seed ${x.seed}: ${x.riskTrained} not below 0.95 mu2*^2 = ${0.95 * lb}`);
      assert.ok(x.riskTrained < x.riskLinear!, `seed ${x.seed}: ${x.riskTrained} not below the tuned linear model ${x.riskLinear}`);
    }
  });
}
