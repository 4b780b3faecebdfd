/**
 * Acceptance: kernelRidge and gradientDescentMse against numpy/scipy float64 references (LU solves and
 * scipy.linalg.expm, i.e. not an eigendecomposition) within 1e-8, for 'trace' (k = 1, 2), 'full' and 'diagonal'.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../src/ntk/kernel';
import { gradientDescentMse, kernelRidge, type KernelLike } from '../../src/predict';
import { forEachImpl, loadFixtures, maxRelErr, type Fixture } from './helpers';

const TOL = 1e-8;
const fixtures = loadFixtures();

test('four predict fixtures are present', () => assert.equal(fixtures.length, 4));

function kernelArg(fx: Fixture, which: 'Ktrain' | 'KtestTrain'): KernelLike {
  const { shape, data } = fx[which];
  if (!fx.asKernel) return { rows: shape[0], cols: shape[1], data: Float64Array.from(data) };
  return new Kernel({
    values: Float32Array.from(data), shape, kind: 'ntk', layout: fx.layout, outputs: fx.k, label: 'fixture',
    symmetric: which === 'Ktrain', backend: 'numpy', wallTimeMs: 0,
  });
}

function inputs(fx: Fixture) {
  const f0 = fx.fxTrain0 ? { fxTrain0: Float64Array.from(fx.fxTrain0), fxTest0: Float64Array.from(fx.fxTest0 ?? []) } : {};
  return { K: kernelArg(fx, 'Ktrain'), Ktd: kernelArg(fx, 'KtestTrain'), y: { rows: fx.n, cols: fx.k, data: Float64Array.from(fx.ytrain) }, f0 };
}

forEachImpl('predict fixtures', () => {
  for (const fx of fixtures) {
    test(`${fx.name}: kernelRidge within ${TOL}`, async (t) => {
      const { K, Ktd, y, f0 } = inputs(fx);
      let worst = 0;
      for (const r of fx.ridge) {
        const out = await kernelRidge(K, y, Ktd, r.lambda, { ...f0, lambdaScale: r.lambdaScale });
        assert.deepEqual([out.rows, out.cols], [fx.m, fx.k]);
        const err = maxRelErr(out.data, r.test);
        assert.ok(err <= TOL, `lambda ${r.lambda} (${r.lambdaScale}): ${err}`);
        worst = Math.max(worst, err);
      }
      t.diagnostic(`max error ${worst.toExponential(2)}`);
    });

    test(`${fx.name}: gradientDescentMse train and test within ${TOL}`, async (t) => {
      const { K, Ktd, y, f0 } = inputs(fx);
      let worst = 0;
      for (const g of fx.gd) {
        const p = await gradientDescentMse(K, y, Ktd, { ...f0, lr: g.lr, lossNormalization: g.lossNormalization, diagReg: g.diagReg, diagRegScale: g.diagRegScale });
        g.times.forEach((time, i) => {
          const tt = time === 'Infinity' ? Infinity : time;
          const test = p.at(tt);
          const train = p.trainAt(tt);
          assert.deepEqual([test.rows, test.cols, train.rows, train.cols], [fx.m, fx.k, fx.n, fx.k]);
          const e1 = maxRelErr(test.data, g.test[i]);
          const e2 = maxRelErr(train.data, g.train[i]);
          assert.ok(e1 <= TOL && e2 <= TOL, `${g.lossNormalization} t = ${tt}: test ${e1}, train ${e2}`);
          worst = Math.max(worst, e1, e2);
        });
      }
      t.diagnostic(`max error ${worst.toExponential(2)}`);
    });
  }
});
