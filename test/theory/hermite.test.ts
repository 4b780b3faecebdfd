/**
 * Acceptance 3: Hermite coefficients against closed forms (relu, erf, linear) to 1e-10, and the quadrature
 * behind them. Closed forms (h_k = He_k / sqrt(k!), xi ~ N(0, 1)):
 *   relu(s xi): zeta_0 = s / sqrt(2 pi), zeta_1 = s / 2, zeta_2j = s phi(0) (-1)^(j+1) (2j-3)!! / sqrt((2j)!), odd k >= 3: 0
 *     (from x He_k = He_{k+1} + k He_{k-1} and integral_0^inf He_m phi = He_{m-1}(0) phi(0));
 *   erf(s xi): zeta_{2j+1} = 2 s / sqrt(pi (1 + 2 s^2)) (-s^2 / (1 + 2 s^2))^j (2j)! / j! / sqrt((2j+1)!), even k: 0
 *     (Gaussian integration by parts and the generating function of He_k);
 *   linear: zeta_1 = s, all others 0.
 */
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { InvalidOptionError } from '../../src/errors';
import { ACTIVATIONS, activation } from '../../src/models/activations';
import { expectedPair, gaussHermite, gaussianExpectation, gaussLegendre, hermite } from '../../src/theory';

const PHI0 = 1 / Math.sqrt(2 * Math.PI);

function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

function doubleFactorial(k: number): number {
  let f = 1;
  for (let i = k; i > 1; i -= 2) f *= i;
  return f;
}

function reluCoefficient(k: number, s: number): number {
  if (k === 0) return s * PHI0;
  if (k === 1) return s / 2;
  if (k % 2 === 1) return 0;
  const j = k / 2;
  return (s * PHI0 * (j % 2 === 1 ? 1 : -1) * doubleFactorial(2 * j - 3)) / Math.sqrt(factorial(2 * j));
}

function erfCoefficient(k: number, s: number): number {
  if (k % 2 === 0) return 0;
  const j = (k - 1) / 2;
  const c = 1 + 2 * s * s;
  return ((2 * s) / Math.sqrt(Math.PI * c)) * (-s * s / c) ** j * (factorial(2 * j) / factorial(j)) / Math.sqrt(factorial(2 * j + 1));
}

describe('Hermite coefficients against closed forms (1e-10)', () => {
  for (const s of [1, 0.7, 2.3]) {
    it(`relu, erf and linear at scale ${s}, orders 0..16`, () => {
      const relu = hermite('relu', { order: 16, scale: s });
      const erf = hermite('erf', { order: 16, scale: s });
      const lin = hermite('linear', { order: 16, scale: s });
      assert.equal(relu.rule, 'split');
      assert.equal(erf.rule, 'gauss-hermite');
      for (let k = 0; k <= 16; k++) {
        assert.ok(Math.abs(relu.coefficients[k] - reluCoefficient(k, s)) <= 1e-10, `relu zeta_${k}: ${relu.coefficients[k]} vs ${reluCoefficient(k, s)}`);
        assert.ok(Math.abs(erf.coefficients[k] - erfCoefficient(k, s)) <= 1e-10, `erf zeta_${k}: ${erf.coefficients[k]} vs ${erfCoefficient(k, s)}`);
        assert.ok(Math.abs(lin.coefficients[k] - (k === 1 ? s : 0)) <= 1e-10, `linear zeta_${k}`);
      }
      assert.ok(Math.abs(relu.secondMoment - s * s / 2) <= 1e-12);
      assert.ok(Math.abs(relu.muStar ** 2 - s * s * (0.5 - 1 / (2 * Math.PI) - 0.25)) <= 1e-12);
      // E erf(s xi)^2 = (2 / pi) asin(2 s^2 / (1 + 2 s^2))
      assert.ok(Math.abs(erf.secondMoment - (2 / Math.PI) * Math.asin((2 * s * s) / (1 + 2 * s * s))) <= 1e-12);
    });
  }

  it('relu needs the split rule: plain Gauss-Hermite is off by more than 1e-5', () => {
    const plain = hermite({ name: 'relu-unsplit', f: activation('relu').f, df: activation('relu').df, kinks: [] }, { order: 8 });
    assert.equal(plain.rule, 'gauss-hermite');
    let worst = 0;
    for (let k = 0; k <= 8; k++) worst = Math.max(worst, Math.abs(plain.coefficients[k] - reluCoefficient(k, 1)));
    assert.ok(worst > 1e-5, `plain Gauss-Hermite error ${worst}`);
  });

  it('every engine activation: Stein (mu1 = s E phi\'), Parseval to order 60, known means', () => {
    for (const name of ACTIVATIONS) {
      const s = 1.3;
      const h = hermite(name, { order: 60, scale: s });
      assert.ok(Math.abs(h.mu1 - s * h.derivativeMean) <= 1e-12, `${name}: Stein`);
      let sum = 0;
      for (const c of h.coefficients) sum += c * c;
      // Parseval: sum zeta_k^2 -> E phi^2; the tail beyond 60 is < 1e-6 for these (relu's decays like k^-3/2).
      const tol = name === 'relu' ? 1e-3 : 1e-6;
      assert.ok(sum <= h.secondMoment + 1e-12 && h.secondMoment - sum <= tol, `${name}: sum ${sum} vs E phi^2 ${h.secondMoment}`);
    }
    assert.ok(Math.abs(hermite('gelu').mu0 - 1 / (2 * Math.sqrt(Math.PI))) <= 1e-12); // E xi Phi(xi) = E phi(xi)
    assert.ok(Math.abs(hermite('gelu').mu1 - 0.5) <= 1e-12);
    assert.ok(Math.abs(hermite('sigmoid').mu0 - 0.5) <= 1e-12);
    assert.ok(Math.abs(hermite('tanh').mu0) <= 1e-14);
  });

  it('rejects bad orders, scales and activations', () => {
    assert.throws(() => hermite('relu', { order: 1 }), InvalidOptionError);
    assert.throws(() => hermite('relu', { scale: 0 }), /scale .* positive/);
    assert.throws(() => hermite('swish' as 'relu'), /unknown activation 'swish'/);
  });
});

describe('quadrature', () => {
  it('Gauss-Hermite and Gauss-Legendre integrate polynomials exactly', () => {
    const gh = gaussHermite(20);
    // E xi^(2m) = (2m - 1)!!
    for (let m = 0; m <= 19; m++) {
      let s = 0;
      for (let j = 0; j < 20; j++) s += gh.weights[j] * gh.nodes[j] ** (2 * m);
      assert.ok(Math.abs(s / doubleFactorial(2 * m - 1) - 1) <= 1e-12, `E xi^${2 * m}`);
    }
    const gl = gaussLegendre(10);
    for (let m = 0; m <= 9; m++) {
      let s = 0;
      for (let j = 0; j < 10; j++) s += gl.weights[j] * gl.nodes[j] ** (2 * m);
      assert.ok(Math.abs(s - 2 / (2 * m + 1)) <= 1e-14);
    }
    assert.ok(Math.abs(gaussianExpectation((x) => Math.abs(x), [0]) - Math.sqrt(2 / Math.PI)) <= 1e-14);
  });

  it('Mehler series and the product rule agree with the closed-form dual kernels (1e-10)', () => {
    const erf = activation('erf');
    const relu = activation('relu');
    const erfAnon = { name: 'erf-anon', f: erf.f, df: erf.df };
    const dErfAnon = { name: 'erf-prime', f: erf.df, df: () => 0 };
    for (const rho of [-0.9, -0.3, 0, 0.45, 0.6, 0.8, 0.99]) {
      const [qa, qb] = [1.3, 0.6];
      const c = rho * Math.sqrt(qa * qb);
      assert.ok(Math.abs(expectedPair(erfAnon, qa, qb, c) - expectedPair('erf', qa, qb, c)) <= 1e-10, `erf rho ${rho}`);
      assert.ok(Math.abs(expectedPair(dErfAnon, qa, qb, c) - expectedPair('erf', qa, qb, c, 'dphi')) <= 1e-10, `erf' rho ${rho}`);
    }
    // relu through the (split) Mehler path, away from |rho| = 1 where its series converges slowly.
    const reluAnon = { name: 'relu-anon', f: relu.f, df: relu.df, kinks: [0] };
    for (const rho of [-0.5, 0.1, 0.55]) assert.ok(Math.abs(expectedPair(reluAnon, 1, 1, rho) - expectedPair('relu', 1, 1, rho)) <= 1e-9);
  });
});
