/** Bad input fails early with a named error that names the argument and the shape received. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradientDescentMse, kernelRidge } from '../../src/predict';
import { gramPair, normals } from './helpers';

const n = 6;
const m = 4;
const { K, Ktd } = gramPair(n, m, 30, 1);
const y = normals(n, 2, 2);

const rejects = (p: Promise<unknown>, name: string, re: RegExp) =>
  assert.rejects(p, (e: Error) => e.name === name && re.test(e.message) ? true : assert.fail(`${e.name}: ${e.message}`));

test('shapes: ytrain rows, Ktrain size, KtestTrain columns, f_0 shapes', async () => {
  await rejects(kernelRidge(K, normals(n + 1, 2, 3), Ktd, 0.1), 'ShapeError', /Ktrain is 6 x 6 but ytrain is 7 x 2/);
  await rejects(kernelRidge(K, y, { rows: m, cols: n - 1, data: new Float64Array(m * (n - 1)) }, 0.1), 'ShapeError', /KtestTrain is 4 x 5.*needs m x 6/);
  await rejects(kernelRidge({ rows: n, cols: n + 1, data: new Float64Array(n * (n + 1)) }, y, Ktd, 0.1), 'ShapeError', /Ktrain is 6 x 7/);
  await rejects(kernelRidge(K, y, Ktd, 0.1, { fxTrain0: normals(n, 1, 4) }), 'ShapeError', /opts.fxTrain0 must be 6 x 2, got 6 x 1/);
  await rejects(gradientDescentMse(K, y, Ktd, { fxTest0: new Float64Array(3) }), 'ShapeError', /opts.fxTest0 has length 3, needs 4 x 2/);
  await rejects(kernelRidge(K, y, Ktd, 0.1, { layout: 'full' }), 'ShapeError', /'full' layout with ytrain 6 x 2 needs 12 x 12/);
  await rejects(kernelRidge(K, { rows: 0, cols: 1, data: new Float64Array(0) }, Ktd, 0.1), 'ShapeError', /ytrain must have at least one row/);
  await rejects(kernelRidge(K, y, undefined as never, 0.1), 'ShapeError', /KtestTrain is required/);
});

test('NaN and Infinity are named', async () => {
  const bad = { ...K, data: Float64Array.from(K.data) };
  bad.data[7] = NaN;
  await rejects(kernelRidge(bad, y, Ktd, 0.1), 'NonFiniteError', /Ktrain holds NaN at \(1, 1\)/);
  const by = { ...y, data: Float64Array.from(y.data) };
  by.data[3] = Infinity;
  await rejects(gradientDescentMse(K, by, Ktd), 'NonFiniteError', /ytrain holds Infinity at \(1, 1\)/);
  await rejects(kernelRidge(K, y, Ktd, 0.1, { fxTest0: NaN }), 'InvalidOptionError', /opts.fxTest0 must be finite/);
});

test('non-symmetric Ktrain is a ShapeError', async () => {
  const a = { ...K, data: Float64Array.from(K.data) };
  a.data[1] += 1e-3;
  await rejects(kernelRidge(a, y, Ktd, 0.1), 'ShapeError', /Ktrain is not symmetric: \(1, 0\)/);
  await rejects(gradientDescentMse(a, y, Ktd), 'ShapeError', /not symmetric/);
  // Within the tolerance it is symmetrised, not rejected.
  a.data[1] = K.data[1] + 1e-14;
  await kernelRidge(a, y, Ktd, 0.1);
});

test('lambda < 0, t < 0, lr <= 0 and unknown options are InvalidOptionError', async () => {
  await rejects(kernelRidge(K, y, Ktd, -1e-3), 'InvalidOptionError', /lambda must be a finite number >= 0, got -0.001/);
  await rejects(kernelRidge(K, y, Ktd, NaN), 'InvalidOptionError', /lambda/);
  await rejects(kernelRidge(K, y, Ktd, 0.1, { lambdaScale: 'relative' as never }), 'InvalidOptionError', /'absolute' or 'trace'/);
  await rejects(gradientDescentMse(K, y, Ktd, { lr: 0 }), 'InvalidOptionError', /opts.lr must be a finite number > 0/);
  await rejects(gradientDescentMse(K, y, Ktd, { diagReg: -1 }), 'InvalidOptionError', /opts.diagReg/);
  await rejects(gradientDescentMse(K, y, Ktd, { lossNormalization: 'avg' as never }), 'InvalidOptionError', /lossNormalization/);
  await rejects(gradientDescentMse(K, y, Ktd, { layout: 'blocks' as never }), 'InvalidOptionError', /opts.layout/);
  const p = await gradientDescentMse(K, y, Ktd);
  assert.throws(() => p.at(-1), { name: 'InvalidOptionError', message: /t must be a number >= 0/ });
  assert.throws(() => p.trainAt(NaN), { name: 'InvalidOptionError' });
  const trainOnly = await gradientDescentMse(K, y);
  assert.equal(trainOnly.m, 0);
  assert.throws(() => trainOnly.at(1), { name: 'InvalidOptionError', message: /without KtestTrain/ });
  assert.equal(trainOnly.trainAt(1).rows, n);
});

test('not positive definite Ktrain + lambda I is a LinalgError that names the eigenvalues', async () => {
  const neg = { ...K, data: Float64Array.from(K.data) };
  for (let i = 0; i < n; i++) neg.data[i * n + i] -= 10;
  await rejects(kernelRidge(neg, y, Ktd, 0.1), 'LinalgError', /not positive definite.*eigenvalues run from -\d.*raise lambda by at least/);
});
