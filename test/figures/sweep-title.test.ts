/** Sweep figures state the parameters they were computed with (a recomputed risk figure says its lambda). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignmentFigure } from '../../src/figures/builders/alignment';
import { riskFigure } from '../../src/figures/builders/risk';
import { emptySweepRows, fixedSizesOf, SweepRows, sweepParamsText } from '../../src/figures/builders/sweep';
import { SweepData } from '../../src/figures/data/sweep-data';
import { decodeBatch } from '../../src/figures/arrow/decode';
import { oneStepSweepBatch } from '../../src/arrow/kinds/one-step-sweep';
import { resultSchema } from '../../src/arrow/schemas';
import { encodeBatch } from '../../src/display/encode';
import { sweepRow } from '../widgets/helpers';

function rows(lambda: number, width: number, seeds: number[], extraLambda?: number): SweepRows {
  const r = emptySweepRows();
  const put = (seed: number, lam: number, statistic = 'value') => {
    r.eta.push(1); r.eta_factor.push(1); r.scaling.push('theta-1'); r.seed.push(seed); r.width.push(width); r.lambda.push(lam); r.statistic.push(statistic);
    for (const k of ['alignment', 'alignment_w1', 'spike_norm', 'bulk_norm', 'risk_initial', 'risk_trained', 'risk_linear', 'risk_null'] as const) r[k].push(0.4);
    r.risk_lower_bound.push(NaN);
  };
  for (const s of seeds) {
    put(s, lambda);
    if (extraLambda !== undefined) put(s, extraLambda);
  }
  if (seeds.length > 1) (put(0, lambda, 'mean'), put(0, lambda, 'std'));
  return r;
}

describe('sweep parameters in the title', () => {
  it('the risk figure says lambda, N and the seeds, and changes when lambda does', () => {
    const a = riskFigure(rows(1e-3, 256, [0, 1]), { x: 'eta_factor', logX: false, logY: false, fixed: { n: 512, d: 128 } });
    assert.equal(a.layout.title?.text, 'computed with λ = 0.001, N = 256, 2 seeds (n = 512, d = 128)');
    const b = riskFigure(rows(0.1, 256, [0, 1]), { x: 'eta_factor', logX: false, logY: false, title: 'ridge risk' });
    assert.equal(b.layout.title?.text, 'ridge risk');
    assert.equal(b.layout.title?.subtitle?.text, 'computed with λ = 0.1, N = 256, 2 seeds');
    assert.ok((b.layout.margin?.t ?? 0) > (a.layout.margin?.t ?? 0), 'room for the second line');
  });

  it('several lambdas are listed; the alignment figure leaves lambda out (the step does not depend on it)', () => {
    assert.equal(sweepParamsText(rows(1e-3, 64, [0], 1e-2)), 'computed with λ = 0.001, 0.01, N = 64, 1 seed');
    const f = alignmentFigure(rows(1e-3, 64, [0, 1, 2]), { x: 'eta', logX: false });
    assert.equal(f.layout.title?.text, 'computed with N = 64, 3 seeds');
    assert.equal(sweepParamsText(emptySweepRows()), '');
    assert.equal(riskFigure(emptySweepRows(), { x: 'eta', logX: false, logY: false }).layout.title, undefined);
  });

  it('n and d come from the run metadata of the first batch', () => {
    const bytes = encodeBatch(oneStepSweepBatch([sweepRow({})]), resultSchema('one-step-sweep', { params: { n: 700, d: 70, N: [8] } }));
    const data = new SweepData();
    data.add(decodeBatch(bytes, 'one-step-sweep'));
    assert.deepEqual(data.fixed, { n: 700, d: 70 });
    assert.deepEqual(fixedSizesOf(new Map([['params', 'not json']])), {});
    assert.deepEqual(fixedSizesOf(new Map()), {});
  });
});
