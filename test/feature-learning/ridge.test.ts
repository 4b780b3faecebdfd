/**
 * Acceptance 3: ridge regression in its primal (N x N) and dual (n x n) forms agree within 1e-8 relative in float64,
 * and match numpy references (test/fixtures/feature-learning/ridge.json, made by test/fixtures/make_ridge_fixtures.py
 * with LU solves): plain ridge, the paper's second-layer ridge on CK features (penalty (lambda/N)||a||^2), the tuned
 * linear baseline's risks, and the Gaussian-equivalent risk (numpy: an N x N eigendecomposition of Omega).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ckFeatures, ckRidge, gaussianEquivalentRisk, tunedLinearRidge } from '../../src/feature-learning';
import { ridgeRegression } from '../../src/feature-learning/ridge';
import { gramSide, singularFromGram } from '../../src/feature-learning/singular';
import { gramAsync, matmul, type Matrix } from '../../src/linalg';
import { Rng } from '../../src/random';
import { forEachImpl } from '../predict/helpers';

const TOL = 1e-8;

/** max |a - b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

interface Json64 { rows: number; cols: number; data: number[] }
const m64 = (j: Json64): Matrix<Float64Array> => ({ rows: j.rows, cols: j.cols, data: Float64Array.from(j.data) });

const FIXTURE = path.resolve(__dirname, '../../../test/fixtures/feature-learning/ridge.json');
const fx = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as {
  ridge: { name: string; F: Json64; y: number[]; shifts: number[]; primal: number[][]; dual: number[][] }[];
  ck: { activation: 'tanh' | 'erf'; X: Json64; W: Json64; y: number[]; lambdas: number[]; coefficients: number[][] }[];
  linear: { X: Json64; y: number[]; Xtest: Json64; fStar: number[]; lambdas: number[]; risks: number[] };
  gaussianEquivalent: { W1: Json64; beta: number[]; n: number; lambda: number; noise: number; mu1: number; muStar: number; teacherMu1: number; power: number; risk: number }[];
};

forEachImpl('feature-learning ridge', () => {
  for (const [n, p] of [[120, 45], [45, 120], [64, 64]]) {
    test(`primal and dual solutions agree within ${TOL} (n = ${n}, p = ${p})`, async (t) => {
      const F = { rows: n, cols: p, data: new Rng(n * 1000 + p).normals64(n * p, 1 / Math.sqrt(p)) };
      const y = new Rng(7).normals64(n);
      const shifts = [1e-4, 1e-2, 1];
      const primal = await ridgeRegression(F, y, shifts, { solver: 'primal' });
      const dual = await ridgeRegression(F, y, shifts, { solver: 'dual' });
      const auto = await ridgeRegression(F, y, shifts);
      assert.equal(primal.solver, 'primal');
      assert.equal(dual.solver, 'dual');
      assert.equal(auto.solver, p <= n ? 'primal' : 'dual');
      let worst = 0;
      shifts.forEach((_, k) => (worst = Math.max(worst, relErr(dual.coefficients[k], primal.coefficients[k]))));
      t.diagnostic(`max relative primal/dual difference ${worst.toExponential(2)}`);
      assert.ok(worst <= TOL, `primal vs dual: ${worst}`);
    });
  }

  test('ridgeRegression matches numpy (primal and dual LU references)', async () => {
    assert.equal(fx.ridge.length, 3);
    for (const c of fx.ridge) {
      for (const solver of ['primal', 'dual'] as const) {
        const fit = await ridgeRegression(m64(c.F), c.y, c.shifts, { solver });
        c.shifts.forEach((s, k) => {
          assert.ok(relErr(fit.coefficients[k], c.primal[k]) <= TOL, `${c.name} ${solver} shift ${s} vs numpy primal`);
          assert.ok(relErr(fit.coefficients[k], c.dual[k]) <= TOL, `${c.name} ${solver} shift ${s} vs numpy dual`);
        });
      }
    }
  });

  test('ckRidge on ckFeatures matches numpy: a = (Phi^T Phi + (n lambda / N) I)^{-1} Phi^T y, Phi = sigma(X W) / sqrt(N)', async () => {
    for (const c of fx.ck) {
      const phi = ckFeatures(matmul(m64(c.X), m64(c.W)), c.activation);
      for (const solver of ['primal', 'dual'] as const) {
        const fit = await ckRidge(phi, c.y, c.lambdas, { solver });
        c.lambdas.forEach((l, k) => assert.ok(relErr(fit.coefficients[k], c.coefficients[k]) <= TOL, `${c.activation} ${solver} lambda ${l}`));
      }
    }
  });

  test('tunedLinearRidge risks match numpy for every lambda of the grid; the tuned risk is their minimum', async () => {
    const c = fx.linear;
    const base = await tunedLinearRidge({ x: m64(c.X), y: c.y }, { x: m64(c.Xtest), fStar: c.fStar }, c.lambdas);
    assert.ok(relErr(base.risks, c.risks) <= TOL, `linear risks ${base.risks} vs ${c.risks}`);
    assert.equal(base.risk, Math.min(...base.risks));
    assert.equal(base.lambda, c.lambdas[c.risks.indexOf(Math.min(...c.risks))]);
  });

  test('gaussianEquivalentRisk from W1 Gram eigenpairs matches numpy (Omega eigendecomposition), d < N and d > N', async () => {
    for (const c of fx.gaussianEquivalent) {
      const W1 = m64(c.W1);
      const beta = Float64Array.from(c.beta);
      const side = gramSide(W1.rows, W1.cols);
      const gram = await gramAsync(W1, { trans: side === 'right' });
      const probe = side === 'left' ? beta : Float64Array.from({ length: W1.cols }, (_, j) => beta.reduce((s, b, i) => s + b * W1.data[i * W1.cols + j], 0));
      const singular = await singularFromGram(gram, side, probe);
      const risk = gaussianEquivalentRisk({
        singular, N: W1.cols, n: c.n, lambda: c.lambda, noise: c.noise,
        student: { mu1: c.mu1, muStar: c.muStar }, teacher: { mu1: c.teacherMu1, power: c.power },
      });
      assert.ok(Math.abs(risk - c.risk) <= TOL * Math.abs(c.risk), `${side}: ${risk} vs numpy ${c.risk}`);
    }
  });
});
