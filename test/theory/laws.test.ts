/**
 * Acceptance 2 (deterministic part) and 5 (laws outside their range, grids that miss the support): every law's
 * density, computed from its Stieltjes fixed point, integrates to 1 (density + atoms, within 1e-4) and matches
 * its closed form where one exists to 1e-6 (relative to max(1, density): the density of MP at ratio 1 diverges at 0).
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { InvalidOptionError, NonFiniteError } from '../../src/errors';
import {
  deformedSemicircle, discreteMeasure, fanWangCk, fanWangNtk, fanWangNtkCoefficients, lawDensity, marchenkoPastur,
  marchenkoPasturDensity, semicircle, type LawDensity, type SpectralLaw,
} from '../../src/theory';

function checkClosedForm(law: SpectralLaw, d: LawDensity): void {
  const f = law.closedForm as (x: number) => number;
  for (let i = 0; i < d.x.length; i++) {
    const want = f(d.x[i]);
    assert.ok(Math.abs(d.density[i] - want) <= 1e-6 * Math.max(1, want), `${law.name} at ${d.x[i]}: ${d.density[i]} vs ${want}`);
  }
}

function checkMass(d: LawDensity): void {
  assert.ok(Math.abs(d.total - 1) <= 1e-4, `${d.law}: total mass ${d.total}`);
  // The CDF runs from 0 to 1 and is monotone.
  const lo = Math.min(d.x[0], ...d.atoms.map((a) => a.at)) - 1;
  const hi = Math.max(d.x[d.x.length - 1], ...d.atoms.map((a) => a.at)) + 1;
  assert.equal(d.cdf(lo), 0);
  assert.ok(Math.abs(d.cdf(hi) - 1) <= 1e-4);
  let prev = 0;
  for (let t = 0; t <= 200; t++) {
    const c = d.cdf(lo + ((hi - lo) * t) / 200);
    assert.ok(c >= prev - 1e-12);
    prev = c;
  }
}

describe('laws with closed forms', () => {
  for (const [ratio, variance] of [[0.25, 1], [1, 2], [3, 0.5]]) {
    it(`Marchenko-Pastur(ratio ${ratio}, variance ${variance}): closed form to 1e-6, mass 1, atom 1 - 1/ratio`, () => {
      const law = marchenkoPastur({ ratio, variance });
      const d = lawDensity(law);
      checkClosedForm(law, d);
      checkMass(d);
      const a = Math.sqrt(variance) ** 2 * (1 - Math.sqrt(ratio)) ** 2;
      const b = variance * (1 + Math.sqrt(ratio)) ** 2;
      const edges = d.support[0];
      assert.equal(d.support.length, 1);
      assert.ok(Math.abs(edges[0] - a) <= 1e-9 * b && Math.abs(edges[1] - b) <= 1e-9 * b, `support ${edges} vs [${a}, ${b}]`);
      if (ratio > 1) {
        assert.equal(d.atoms.length, 1);
        assert.ok(Math.abs(d.atoms[0].mass - (1 - 1 / ratio)) <= 1e-6 && d.atoms[0].at === 0);
      } else assert.equal(d.atoms.length, 0);
    });
  }

  it('semicircle(variance 2): closed form to 1e-6, support [-2 sqrt 2, 2 sqrt 2]', () => {
    const law = semicircle({ variance: 2 });
    const d = lawDensity(law);
    checkClosedForm(law, d);
    checkMass(d);
    assert.ok(Math.abs(d.support[0][1] - 2 * Math.SQRT2) <= 1e-9);
  });

  it('deformed semicircle of a point mass: the semicircle (alpha = infinity), a shifted MP (finite alpha)', () => {
    for (const widthRatio of [Infinity, 50, 3, 0.5]) {
      const law = deformedSemicircle({ nu: [0.7], widthRatio });
      const d = lawDensity(law);
      checkClosedForm(law, d);
      checkMass(d);
      if (widthRatio < 1) assert.ok(Math.abs(d.atoms[0].mass - (1 - widthRatio)) <= 1e-6, 'rank-deficient CK: atom of mass 1 - alpha');
    }
  });

  it("Fan-Wang's CK of one linear layer on orthonormal inputs is Marchenko-Pastur", () => {
    const d = lawDensity(fanWangCk({ input: [1], layers: [{ ratio: 0.4, b: 1 }] }));
    for (let i = 0; i < d.x.length; i++) assert.ok(Math.abs(d.density[i] - marchenkoPasturDensity(d.x[i], { ratio: 0.4 })) <= 1e-6);
    // Gaussian inputs X_0 = Z / sqrt(d0): a linear layer on them is the product of two Wisharts; mass still 1.
    checkMass(lawDensity(fanWangCk({ input: { gaussian: 2 }, layers: [{ ratio: 0.5, b: 1 }] })));
  });
});

describe('laws without closed forms: mass 1', () => {
  it('Fan-Wang CK (2 and 3 layers), NTK, on discrete and Gaussian inputs', () => {
    const input = discreteMeasure(Array.from({ length: 300 }, (_, i) => (i < 100 ? 0 : 0.5 + (i % 17) / 10)));
    const layers = [{ ratio: 0.5, b: 0.9 }, { ratio: 1.5, b: 0.7 }, { ratio: 0.8, b: 0.95 }];
    checkMass(lawDensity(fanWangCk({ input, layers: layers.slice(0, 2) })));
    const ck3 = lawDensity(fanWangCk({ input: { gaussian: 0.7 }, layers }));
    checkMass(ck3);
    const { rPlus, q } = fanWangNtkCoefficients([{ a: 1.2, b: 0.9 }, { a: 1.1, b: 0.7 }]);
    assert.deepEqual(q.map((v) => +v.toFixed(12)), [0.3969, 0.49, 1]);
    assert.ok(Math.abs(rPlus - (1.1 - 0.49 + 1.2 * 1.1 - 0.3969)) <= 1e-12);
    const ntk = lawDensity(fanWangNtk({ input, layers: layers.slice(0, 2), rPlus, q }));
    checkMass(ntk);
    assert.ok(ntk.support[0][0] >= rPlus - 1e-9, 'the NTK is at least r_+ I');
  });

  it('Wang-Zhu deformed semicircle of a spread-out nu, with and without the width correction', () => {
    const nu = Array.from({ length: 500 }, (_, i) => 0.2 + ((i * 37) % 101) / 60);
    const pure = lawDensity(deformedSemicircle({ nu }));
    const corrected = lawDensity(deformedSemicircle({ nu, widthRatio: 10 }));
    checkMass(pure);
    checkMass(corrected);
    // The correction skews the law: its right edge moves out, the left one in.
    assert.ok(corrected.support[0][1] > pure.support[0][1] && corrected.support[0][0] > pure.support[0][0]);
  });

  it('a user grid: density there, CDF by the trapezoid rule', () => {
    const grid = Float64Array.from({ length: 2001 }, (_, i) => -0.1 + (i * 3.2) / 2000);
    const d = lawDensity(marchenkoPastur({ ratio: 0.5 }), { grid });
    assert.equal(d.x.length, 2001);
    assert.ok(Math.abs(d.mass - 1) <= 1e-3, `trapezoid mass ${d.mass}`);
    for (let i = 0; i < grid.length; i++) assert.ok(Math.abs(d.density[i] - marchenkoPasturDensity(grid[i], { ratio: 0.5 })) <= 1e-6);
  });
});

describe('bad parameters and grids', () => {
  it('laws outside their range name the parameter and the range', () => {
    assert.throws(() => marchenkoPastur({ ratio: 0 }), (e: Error) => e instanceof InvalidOptionError && /ratio \(gamma = p \/ N\) must be a finite number > 0, got 0/.test(e.message));
    assert.throws(() => marchenkoPastur({ ratio: 1, variance: -1 }), /variance \(sigma\^2\) must be a finite number > 0/);
    assert.throws(() => semicircle({ variance: Infinity }), /variance/);
    assert.throws(() => fanWangCk({ input: [1], layers: [{ ratio: 1, b: 1.2 }] }), /b = E sigma'\(xi\) must lie in \[-1, 1\]/);
    assert.throws(() => fanWangCk({ input: [1], layers: [{ ratio: -2, b: 0.5 }] }), /ratio \(gamma = n \/ d_1\) must be a finite number > 0/);
    assert.throws(() => fanWangCk({ input: [-1, 1], layers: [{ ratio: 1, b: 0.5 }] }), /spectrum .* Gram matrix and must be >= 0/);
    assert.throws(() => fanWangNtk({ input: [1], layers: [{ ratio: 1, b: 0.5 }], rPlus: 0.1, q: [1] }), /q must hold L \+ 1 = 2/);
    assert.throws(() => fanWangNtkCoefficients([{ a: 0.1, b: 0.9 }]), /a >= b\^2/);
    assert.throws(() => deformedSemicircle({ nu: [1], widthRatio: 0 }), /widthRatio \(alpha = d1 \/ n\) must be > 0/);
    assert.throws(() => deformedSemicircle({ nu: [-1, 2] }), /nu .* must be >= 0/);
    assert.throws(() => deformedSemicircle({ nu: [1, NaN] }), NonFiniteError);
  });

  it('a grid that misses the support, or is not ascending', () => {
    const law = marchenkoPastur({ ratio: 0.5 });
    assert.throws(() => lawDensity(law, { grid: [3, 4, 5] }), (e: Error) => e instanceof InvalidOptionError && /the grid \[3, 5\] misses the support of marchenko-pastur: it has mass on \[0\.0857/.test(e.message));
    assert.throws(() => lawDensity(law, { grid: [0, 1, 2] }), /misses the support/);
    assert.throws(() => lawDensity(law, { grid: [0, 2, 1] }), /strictly ascending/);
    assert.throws(() => lawDensity(law, { grid: [0, NaN] }), NonFiniteError);
    assert.throws(() => lawDensity(law, { points: 3 }), /points must be an integer/);
  });
});
