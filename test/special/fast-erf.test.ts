/** The table erf agrees with the engine's float64 erf (src/special/erf) to that function's own accuracy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/random';
import { erf } from '../../src/special/erf';
import { fastErf } from '../../src/special/fast-erf';

test('fastErf = erf within 2e-14 absolute on a dense grid and random points; odd; +-1 beyond 6; NaN kept', (t) => {
  let worst = 0;
  const check = (x: number): void => {
    worst = Math.max(worst, Math.abs(fastErf(x) - erf(x)));
  };
  for (let x = -8; x <= 8; x += 1 / 1024) check(x);
  const rng = new Rng(3);
  for (let i = 0; i < 100000; i++) check(3 * rng.normal());
  for (const x of [0, 1e-300, 1e-12, 1e-6, 5.999999, 6, 37]) check(x);
  t.diagnostic(`max |fastErf - erf| = ${worst.toExponential(2)}`);
  assert.ok(worst <= 2e-14, `max error ${worst}`);
  assert.equal(fastErf(0.3), -fastErf(-0.3));
  assert.equal(fastErf(1e-12) / 1e-12, erf(1e-12) / 1e-12, 'relative accuracy at tiny arguments');
  assert.equal(fastErf(Infinity), 1);
  assert.equal(fastErf(-7), -1);
  assert.ok(Number.isNaN(fastErf(NaN)));
});
