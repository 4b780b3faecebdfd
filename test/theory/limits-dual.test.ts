/**
 * The Gaussian expectations under the infinite-width recursion (src/theory/limits/dual-map.ts and rules.ts):
 * E g(u) g(v) for g = phi, phi' against references that share no code with them: nested adaptive QUADPACK
 * quadrature (test/fixtures/limits/pairs.json, made by make_limit_fixtures.py) for tanh, sigmoid, gelu and
 * softplus, and erf's closed form (Williams 1997) for the Mehler and conditional-quadrature routes, forced on erf.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { activation, type ActivationName } from '../../src/models';
import type { DualOf } from '../../src/theory';
import { DualMap } from '../../src/theory/limits/dual-map';
import { valueRule } from '../../src/theory/limits/rules';

interface PairRef {
  activation: ActivationName;
  of: DualOf;
  qa: number;
  qb: number;
  c: number;
  value: number;
}
const pairs = (JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/limits/pairs.json'), 'utf8')) as { pairs: PairRef[] }).pairs;

// Errors are measured against sqrt(E g(u)^2 E g(v)^2), the scale Cauchy-Schwarz gives every E g(u) g(v).
function scaled(map: DualMap, qa: number, qb: number, got: number, want: number): number {
  return Math.abs(got - want) / Math.sqrt(map.diagonal(qa) * map.diagonal(qb));
}

test('tanh, sigmoid, gelu, softplus and their derivatives: E g(u) g(v) against nested QUADPACK to 1e-11', () => {
  assert.equal(pairs.length, 120);
  let worst = 0;
  for (const p of pairs) {
    const map = new DualMap(p.activation, p.of);
    const e = scaled(map, p.qa, p.qb, map.pair(p.qa, p.qb, p.c), p.value);
    worst = Math.max(worst, e);
    assert.ok(e < 1e-11, `${p.activation} ${p.of} (${p.qa}, ${p.qb}, rho ${(p.c / Math.sqrt(p.qa * p.qb)).toFixed(3)}): ${map.pair(p.qa, p.qb, p.c)} vs ${p.value} (${e.toExponential(2)})`);
    // The pair is symmetric in its two variables (the conditional route swaps them to put the smaller variance inside).
    assert.ok(Math.abs(map.pair(p.qb, p.qa, p.c) - map.pair(p.qa, p.qb, p.c)) <= 1e-13 * Math.abs(p.value) + 1e-15);
  }
  console.log(`dual pairs vs QUADPACK: worst ${worst.toExponential(2)} of sqrt(E g(u)^2 E g(v)^2)`);
});

const erfPhi = (qa: number, qb: number, c: number): number => (2 / Math.PI) * Math.asin((2 * c) / Math.sqrt((1 + 2 * qa) * (1 + 2 * qb)));
const erfDphi = (qa: number, qb: number, c: number): number => 4 / Math.PI / Math.sqrt((1 + 2 * qa) * (1 + 2 * qb) - 4 * c * c);

test("erf through the Mehler (|rho| <= 0.6) and conditional (|rho| > 0.6) routes, against Williams' closed forms to 1e-11", () => {
  const qs = [0.05, 0.5, 1, 2.4, 6, 30];
  const rhos = [-0.99, -0.7, -0.3, 0, 0.3, 0.59, 0.61, 0.8, 0.95, 0.999, 1];
  let worst = 0;
  for (const [of, closed] of [['phi', erfPhi], ['dphi', erfDphi]] as const) {
    const map = new DualMap('erf', of, false);
    for (const qa of qs) {
      for (const qb of qs) {
        for (const rho of rhos) {
          if (rho === 1 && qa !== qb) continue;
          const c = rho * Math.sqrt(qa * qb);
          const e = scaled(map, qa, qb, map.pair(qa, qb, c), closed(qa, qb, c));
          worst = Math.max(worst, e);
          assert.ok(e < 1e-11, `erf ${of} (${qa}, ${qb}, rho ${rho}): ${map.pair(qa, qb, c)} vs ${closed(qa, qb, c)} (${e.toExponential(2)})`);
        }
        assert.ok(Math.abs(map.diagonal(qa) - closed(qa, qa, qa)) < 1e-13 * closed(qa, qa, qa), `erf ${of} diagonal at q = ${qa}`);
      }
    }
  }
  console.log(`erf numerical routes vs closed forms: worst ${worst.toExponential(2)}`);
});

test('the value rule: E erf(s xi)^2 = (2/pi) asin(2 s^2 / (1 + 2 s^2)) to 1e-14 for s from 0.1 to 20', () => {
  const erf = activation('erf').f;
  for (const s of [0.1, 0.5, 1, 2, 2.4, 3.7, 8, 20]) {
    const { nodes, weights } = valueRule(s);
    let v = 0;
    for (let j = 0; j < nodes.length; j++) v += weights[j] * erf(s * nodes[j]) ** 2;
    const want = (2 / Math.PI) * Math.asin((2 * s * s) / (1 + 2 * s * s));
    assert.ok(Math.abs(v - want) < 1e-14, `s = ${s}: ${v} vs ${want}`);
  }
});
