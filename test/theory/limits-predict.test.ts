/**
 * Predictions with the infinite-width NTK go through the existing kernelRidge and gradientDescentMse (src/predict):
 * LimitKernels in the 'full' and 'diagonal' layouts (2 outputs) against kernel ridge and gradient-flow predictions
 * that test/fixtures/make_limit_fixtures.py computed with numpy from its own reference kernels (train = x1, test =
 * x2; case depth 2, NTK parameterisation, biases, of every activation). Tolerance 1e-8 relative.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ACTIVATIONS, type MlpOptions, mlp } from '../../src/models';
import { gradientDescentMse, kernelRidge } from '../../src/predict';
import { LimitKernel, ntkLimit } from '../../src/theory';
import { relFrobenius } from '../helpers/finite-differences';

interface Predict {
  y: number[];
  lambda: number;
  lr: number;
  t: number;
  ridge: number[];
  gd: number[];
  gdInfinity: number[];
}
interface Fixture {
  n1: number;
  n2: number;
  inputDim: number;
  x1: number[];
  x2: number[];
  cases: { config: Required<Omit<MlpOptions, 'seed'>>; predict?: Predict }[];
}

const dir = path.resolve(__dirname, '../../../test/fixtures/limits');


for (const act of ACTIVATIONS) {
  test(`${act}: kernelRidge and gradientDescentMse with ntkLimit kernels match numpy's predictions to 1e-8`, async () => {
    const fx = JSON.parse(fs.readFileSync(path.join(dir, `${act}.json`), 'utf8')) as Fixture;
    const c = fx.cases.find((k) => k.predict);
    assert.ok(c?.predict, `${act}.json has no predictions`);
    const p = c.predict;
    const x1 = { rows: fx.n1, cols: fx.inputDim, data: Float64Array.from(fx.x1) };
    const x2 = { rows: fx.n2, cols: fx.inputDim, data: Float64Array.from(fx.x2) };
    const y = { rows: fx.n1, cols: 2, data: Float64Array.from(p.y) };
    const net = mlp({ ...c.config, seed: 0 });
    try {
      for (const layout of ['full', 'diagonal'] as const) {
        const Ktrain = ntkLimit(net, x1, undefined, { outputs: layout });
        const KtestTrain = ntkLimit(net, x2, x1, { outputs: layout });
        assert.ok(Ktrain instanceof LimitKernel && Ktrain.layout === layout);
        const ridge = await kernelRidge(Ktrain, y, KtestTrain, p.lambda);
        assert.ok(relFrobenius(ridge.data, p.ridge) < 1e-8, `${layout} ridge: ${relFrobenius(ridge.data, p.ridge)}`);
        const gd = await gradientDescentMse(Ktrain, y, KtestTrain, { lr: p.lr });
        assert.ok(relFrobenius(gd.at(p.t).data, p.gd) < 1e-8, `${layout} gd at t = ${p.t}: ${relFrobenius(gd.at(p.t).data, p.gd)}`);
        assert.ok(relFrobenius(gd.at(Infinity).data, p.gdInfinity) < 1e-8, `${layout} gd at t = Infinity: ${relFrobenius(gd.at(Infinity).data, p.gdInfinity)}`);
      }
    } finally {
      net.dispose();
    }
  });
}
