/**
 * Acceptance 5: bad input is refused with a named error that says what is wrong, before any work starts (the sweep
 * and the stream throw synchronously, when they are created; nothing is computed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError, MemoryBudgetError, ShapeError } from '../../src/errors';
import {
  ckRidge, firstLayerGradient, firstStep, initialStudent, learningRate, oneStepSweep, oneStepSweepStream,
  singleIndexTeacher, type OneStepOptions,
} from '../../src/feature-learning';
import { parseScaling } from '../../src/feature-learning/step';
import { ridgeRegression } from '../../src/feature-learning/ridge';
import { setupBackend } from '../helpers/setup';

const GOOD: OneStepOptions = { n: 64, d: 8, N: 16, etas: [0, 1], lambdas: 1e-3, seeds: 2 };

function refuses(over: Partial<OneStepOptions> | Record<string, unknown>, error: new (...args: never[]) => Error, message: RegExp): void {
  const options = { ...GOOD, ...over } as OneStepOptions;
  assert.throws(() => oneStepSweep(options), (e: unknown) => e instanceof error && message.test((e as Error).message), `oneStepSweep ${JSON.stringify(over)}`);
  assert.throws(() => oneStepSweepStream(options), (e: unknown) => e instanceof error && message.test((e as Error).message), `oneStepSweepStream ${JSON.stringify(over)}`);
}

test('learning rates: negative, NaN or infinite multipliers are refused by name and index', () => {
  refuses({ etas: [0, -1] }, InvalidOptionError, /etas\[1\] must be a finite number >= 0.*got -1/);
  refuses({ etas: [NaN] }, InvalidOptionError, /etas\[0\].*got NaN/);
  refuses({ etas: [1, Infinity] }, InvalidOptionError, /etas\[1\].*got Infinity/);
  refuses({ etas: [] }, InvalidOptionError, /etas must be a non-empty list/);
  assert.throws(() => learningRate(-0.5, 'small', 100), /factor must be a finite number >= 0, got -0.5/);
  assert.throws(() => firstStep({ rows: 1, cols: 1, data: new Float64Array(1) }, { rows: 1, cols: 1, data: new Float64Array(1) }, NaN), /eta must be a finite number >= 0, got NaN/);
  refuses({ scalings: ['medium' as 'small'] }, InvalidOptionError, /scaling must be 'small', 'large' or \{ exponent \}/);
  assert.throws(() => parseScaling('huge'), /unknown learning-rate scaling 'huge'/);
});

test('ridge penalties: negative, zero, NaN or infinite lambdas are refused', async () => {
  refuses({ lambdas: -1e-3 }, InvalidOptionError, /lambdas\[0\] must be a finite number > 0.*got -0.001/);
  refuses({ lambdas: [1e-3, NaN] }, InvalidOptionError, /lambdas\[1\].*got NaN/);
  refuses({ lambdas: [Infinity] }, InvalidOptionError, /lambdas\[0\].*got Infinity/);
  refuses({ lambdas: 0 }, InvalidOptionError, /lambdas\[0\] must be a finite number > 0/);
  const F = { rows: 3, cols: 2, data: new Float64Array(6) };
  await assert.rejects(ckRidge(F, [1, 2, 3], [-1]), /ckRidge: lambdas\[0\] must be a finite number > 0, got -1/);
  await assert.rejects(ridgeRegression(F, [1, 2, 3], [Infinity]), /shifts\[0\]/);
  await assert.rejects(ridgeRegression(F, [1, 2], [1]), ShapeError);
});

test('sizes: n < 2, non-integer or non-positive d, N, nTest, seeds are refused', () => {
  refuses({ n: 1 }, InvalidOptionError, /n must be an integer >= 2, got 1/);
  refuses({ n: 1.5 }, InvalidOptionError, /n must be an integer >= 2, got 1.5/);
  refuses({ d: 0 }, InvalidOptionError, /d must be an integer >= 1, got 0/);
  refuses({ N: [16, -4] }, InvalidOptionError, /N\[1\] must be an integer >= 1, got -4/);
  refuses({ nTest: 0 }, InvalidOptionError, /nTest must be an integer >= 1/);
  refuses({ seeds: 0 }, InvalidOptionError, /seeds must be an integer >= 1/);
  refuses({ seeds: [1, 1] }, InvalidOptionError, /seeds must be distinct/);
  refuses({ noise: -0.1 }, InvalidOptionError, /noise must be a finite number >= 0/);
  refuses({ activation: 'swish' as 'tanh' }, InvalidOptionError, /unknown activation 'swish'/);
  refuses({ teacher: 'cubic' as 'tanh' }, InvalidOptionError, /unknown activation 'cubic'/);
});

test("a teacher of another dimension is a ShapeError naming both dimensions", async () => {
  const teacher = singleIndexTeacher({ d: 10, activation: 'erf', noise: 0.1 });
  refuses({ teacher }, ShapeError, /beta\* has dimension 10, the input dimension d is 8/);
  refuses({ d: 10, teacher, noise: 0.2 }, InvalidOptionError, /noise 0.2 differs from the teacher's noise 0.1/);
  assert.doesNotThrow(() => oneStepSweep({ ...GOOD, d: 10, teacher }));
  assert.throws(() => singleIndexTeacher({ d: 4, beta: [1, 0, 0] }), /beta has length 3, the input dimension d is 4/);
  assert.throws(() => singleIndexTeacher({ d: 2, beta: [0, 0] }), /beta must be non-zero/);
  await setupBackend();
  const student = await initialStudent({ d: 8, N: 4 });
  await assert.rejects(firstLayerGradient(student, { rows: 3, cols: 10, data: new Float64Array(30) }, [0, 0, 0]), /x is 3 x 10, the student's input dimension d is 8/);
  await assert.rejects(firstLayerGradient(student, { rows: 3, cols: 8, data: new Float64Array(24) }, [0, 0]), /y has length 2, x has 3 rows/);
});

test('a sweep too large for memory is a MemoryBudgetError with the estimate, before anything is allocated', () => {
  const huge = { n: 2_000_000, d: 20_000, N: 50_000 };
  assert.throws(
    () => oneStepSweep({ ...GOOD, ...huge }),
    (e: unknown) => e instanceof MemoryBudgetError && /needs about [\d.]+ TB \(float64\), over the budget/.test(e.message) && e.estimatedBytes > e.maxBytes,
  );
  refuses({ n: 4096, d: 1024, N: 4096, maxBytes: 1e6 }, MemoryBudgetError, /over the budget of 1.00 MB/);
});
