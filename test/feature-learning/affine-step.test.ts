/**
 * The sweep's shortcuts equal the direct computations: pre-activations X W1 = X W0 + c X G0 and CK features, the Gram
 * of W1 from its pieces, and W1's singular values and overlaps <u_j, beta*> from the smaller Gram against a full SVD
 * (LAPACK dgesdd), for d < N (left Gram) and d > N (right Gram); and the per-width loop of a sweep over widths.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ckFeatures, firstLayerGradient, firstStep, initialStudent, oneStepSweep, sampleData, singleIndexTeacher, topSingular,
} from '../../src/feature-learning';
import { StepGram, StepPreactivations } from '../../src/feature-learning/affine-step';
import { singularFromGram } from '../../src/feature-learning/singular';
import { gram, matmul, svd } from '../../src/linalg';
import { setupBackend } from '../helpers/setup';

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

for (const [d, N] of [[12, 30], [30, 12]]) {
  test(`d = ${d}, N = ${N}: features, Gram and singular data of W1 = W0 + eta sqrt(N) G0 equal the direct route`, async () => {
    await setupBackend();
    const teacher = singleIndexTeacher({ d, activation: 'tanh', noise: 0.1, seed: 1 });
    const train = sampleData(teacher, 40, 2);
    const other = sampleData(teacher, 25, 3);
    const student = await initialStudent({ d, N, activation: 'erf', seed: 4 });
    const { G0 } = await firstLayerGradient(student, train.x, train.y);
    const pre = await StepPreactivations.of(other.x, student.W0, G0);
    const pieces = await StepGram.of(student.W0, G0, teacher.beta);
    assert.equal(pieces.side, d <= N ? 'left' : 'right');
    for (const eta of [0, 0.7, 3, Math.sqrt(N)]) {
      const c = eta * Math.sqrt(N);
      const W1 = firstStep(student.W0, G0, eta);
      const direct = ckFeatures(matmul(other.x, W1), 'erf');
      assert.ok(relErr(pre.features(c, 'erf').data, direct.data) <= 1e-12, `features at eta ${eta}`);
      const g = pieces.at(c);
      assert.ok(relErr(g.data, gram(W1, { trans: d > N }).data) <= 1e-12, `Gram at eta ${eta}`);
      const mine = await singularFromGram(g, pieces.side, pieces.probe(c));
      const full = svd(W1);
      assert.ok(relErr(mine.values, full.s) <= 1e-8, `singular values at eta ${eta}`);
      const r = Math.min(d, N);
      // Compare overlaps where singular values are well separated (a near-degenerate pair may rotate).
      for (let j = 0; j < r; j++) {
        const gap = Math.min(j > 0 ? full.s[j - 1] - full.s[j] : Infinity, j + 1 < r ? full.s[j] - full.s[j + 1] : Infinity);
        if (gap < 1e-3 * full.s[0]) continue;
        let p = 0;
        for (let i = 0; i < d; i++) p += full.u.data[i * r + j] * teacher.beta[i];
        assert.ok(Math.abs(Math.abs(mine.projections[j]) - Math.abs(p)) <= 1e-7, `overlap ${j} at eta ${eta}: ${mine.projections[j]} vs ${p}`);
      }
      const top = await topSingular(W1, teacher.beta, 2);
      assert.ok(relErr(top.values, full.s.subarray(0, 2)) <= 1e-8);
      assert.ok(Math.abs(Math.abs(top.projections[0]) - Math.abs(mine.projections[0])) <= 1e-7);
    }
  });
}

test('a sweep over two widths: each width gets its points, then its mean/std rows', async () => {
  await setupBackend();
  const widths: number[] = [];
  const stats: string[] = [];
  for await (const rows of oneStepSweep({ n: 48, d: 8, N: [16, 24], etas: [0, 1], seeds: 2, nTest: 32 })) {
    widths.push(rows[0].width);
    stats.push(rows[0].statistic ?? 'value');
  }
  assert.deepEqual(widths, [16, 16, 16, 16, 16, 16, 24, 24, 24, 24, 24, 24]);
  assert.deepEqual(stats, ['value', 'value', 'value', 'value', 'mean', 'mean', 'value', 'value', 'value', 'value', 'mean', 'mean']);
});
