/** ESD (histogram, KDE), spikes, summaries and the distances to a law. */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { InvalidOptionError } from '../../src/errors';
import { detectSpikes, histogram, kde, ksDistance, summarize, wasserstein1 } from '../../src/spectra';
import { lawDensity, marchenkoPastur, semicircle } from '../../src/theory';

/** n points at the quantiles (i + 1/2)/n of a law: an ESD at KS distance exactly 1/(2n) from it. */
function quantiles(cdf: (x: number) => number, lo: number, hi: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    let a = lo, b = hi;
    for (let it = 0; it < 80; it++) {
      const m = 0.5 * (a + b);
      if (cdf(m) < (i + 0.5) / n) a = m;
      else b = m;
    }
    return 0.5 * (a + b);
  });
}

describe('empirical spectral distribution', () => {
  const sc = lawDensity(semicircle());
  const bulk = quantiles(sc.cdf, -2.1, 2.1, 999);
  const withSpikes = Float64Array.of(...bulk, 9, 15, 40);

  it('histogram: Freedman-Diaconis bins over the bulk, density normalised by all n', () => {
    const h = histogram(withSpikes, { exclude: 3 });
    assert.equal(h.rule, 'freedman-diaconis');
    // h = 2 IQR n^(-1/3) on the 999 bulk values; bins = ceil(range / h)
    const sorted = Float64Array.from(bulk).sort();
    const q = (p: number): number => { const pos = p * (sorted.length - 1); const i = Math.floor(pos); return sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]); };
    const width = 2 * (q(0.75) - q(0.25)) * 999 ** (-1 / 3);
    assert.equal(h.counts.length, Math.ceil((sorted[998] - sorted[0]) / width));
    let integral = 0;
    for (const d of h.density) integral += d * h.binWidth;
    assert.ok(Math.abs(integral - 999 / 1002) < 1e-12, 'integrates to the bulk fraction');
    assert.equal(h.counts.reduce((s, c) => s + c, 0), 999);
    assert.equal(histogram([1, 1, 1, 1]).rule, 'sturges');
    assert.equal(histogram(bulk, { bins: 7 }).counts.length, 7);
    assert.throws(() => histogram(bulk, { exclude: 999 }), InvalidOptionError);
  });

  it('kde: Silverman bandwidth, integrates to the bulk fraction, close to the law inside the support', () => {
    const d = kde(withSpikes, { exclude: 3 });
    const step = d.x[1] - d.x[0];
    let integral = 0;
    for (const v of d.density) integral += v * step;
    assert.ok(Math.abs(integral - 999 / 1002) < 1e-3, `integral ${integral}`);
    const i = d.x.findIndex((x) => x >= 0);
    assert.ok(Math.abs(d.density[i] - (1 / Math.PI) * (999 / 1002)) < 0.02, `kde at 0: ${d.density[i]}`);
  });

  it('spikes: by the law edge and by Onatski\'s estimator', () => {
    const byLaw = detectSpikes(withSpikes, { edge: 2, width: 4 });
    assert.equal(byLaw.count, 3);
    assert.deepEqual(Array.from(byLaw.values), [40, 15, 9]);
    const byGap = detectSpikes(withSpikes);
    assert.equal(byGap.method, 'onatski');
    assert.equal(byGap.count, 3);
    assert.ok(Math.abs(byGap.edge - bulk[998]) < 1e-12);
    assert.equal(detectSpikes(bulk).count, 0, 'no spike in a pure bulk');
  });

  it('summary: condition number, numerical rank, effective ranks', () => {
    const s = summarize([4, 2, 1, 1]);
    assert.equal(s.conditionNumber, 4);
    assert.equal(s.numericalRank, 4);
    assert.equal(s.trace, 8);
    assert.ok(Math.abs(s.participationRatio - 64 / 22) < 1e-12);
    const p = [0.5, 0.25, 0.125, 0.125];
    assert.ok(Math.abs(s.effectiveRank - Math.exp(-p.reduce((t, v) => t + v * Math.log(v), 0))) < 1e-12);
    const singular = summarize([3, 1, 1e-20, -1e-17]);
    assert.equal(singular.conditionNumber, Infinity);
    assert.equal(singular.numericalRank, 2);
    assert.equal(singular.negative, 0);
  });
});

describe('distances to a law', () => {
  it('KS of the quantile sample is 1/(2n); W1 of a shifted sample is the shift', () => {
    const law = lawDensity(marchenkoPastur({ ratio: 0.3 }));
    const q = quantiles(law.cdf, 0, 3, 500);
    assert.ok(Math.abs(ksDistance(q, law) - 1 / 1000) < 1e-5, `KS ${ksDistance(q, law)}`);
    assert.ok(wasserstein1(q, law) < 2e-3);
    const shifted = q.map((v) => v + 0.05);
    assert.ok(Math.abs(wasserstein1(shifted, law) - 0.05) < 3e-3);
  });

  it('atoms: numerically zero eigenvalues sit on the law\'s atom at 0', () => {
    const law = lawDensity(marchenkoPastur({ ratio: 2 }));
    const cont = quantiles((x) => (law.cdf(x) - 0.5) / 0.5, 0.1, 6, 500);
    const sample = Float64Array.of(...cont, ...Array.from({ length: 500 }, (_, i) => (i % 2 ? 1 : -1) * 1e-13));
    assert.ok(ksDistance(sample, law) < 2e-3, `KS ${ksDistance(sample, law)}`);
    assert.ok(wasserstein1(sample, law) < 5e-3);
  });
});
