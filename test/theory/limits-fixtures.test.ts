/**
 * Issue 18 item 3: ntk-lab's infinite-width kernels against independent references, computed in float64 by
 * test/fixtures/make_limit_fixtures.py (neural-tangents' stax recursion re-implemented in numpy/JAX: closed forms for
 * relu and erf, 2-D product quadrature (composite Gauss-Legendre, cross-checked by 400-node Gauss-Hermite) and
 * jax.grad derivatives for the other activations).
 * Every activation, depths 1-3, biases on and off, both parameterisations, x1 vs x1 and x1 vs x2 (x2 holds a copy
 * of an x1 row, a near copy, and an anti-correlated row), 2 outputs. Tolerance 1e-9 relative (the issue asks 1e-6).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ACTIVATIONS, type ActivationName, type MlpOptions, mlp } from '../../src/models';
import { ckLimit, infiniteWidthKernels, nngpLimit, ntkLimit } from '../../src/theory';
import { relFrobenius } from '../helpers/finite-differences';

interface Case {
  config: Required<Omit<MlpOptions, 'seed'>>;
  x1x1: { nngp: number[]; ntk: number[]; ck: number[][] };
  x1x2: { nngp: number[]; ntk: number[]; ck: number[][] };
}
interface Fixture {
  activation: ActivationName;
  n1: number;
  n2: number;
  inputDim: number;
  x1: number[];
  x2: number[];
  cases: Case[];
  checks: Record<string, number>;
}

const dir = path.resolve(__dirname, '../../../test/fixtures/limits');
// The issue asks for 1e-6; the agreement measured is ~2e-14 (both sides are float64 quadratures accurate to ~1e-14), so a
// tighter bound keeps the test sensitive to a small slip (a wrong node count shows as 1e-10 to 1e-7).
const TOL = 1e-9;


/** Largest entry error relative to the largest entry: a wrong small entry cannot hide behind the Frobenius norm of the others. */
function relMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

const worst = { value: 0, where: '' };
function close(got: ArrayLike<number>, want: number[], what: string): void {
  const e = Math.max(relFrobenius(got, want), relMax(got, want));
  if (e > worst.value) Object.assign(worst, { value: e, where: what });
  assert.ok(e < TOL, `${what}: relative error ${e.toExponential(2)} >= ${TOL}`);
}

test('one fixture per activation', () => {
  for (const a of ACTIVATIONS) assert.ok(fs.existsSync(path.join(dir, `${a}.json`)), `test/fixtures/limits/${a}.json is missing`);
});

for (const act of ACTIVATIONS) {
  const file = path.join(dir, `${act}.json`);
  if (!fs.existsSync(file)) continue;
  const fx = JSON.parse(fs.readFileSync(file, 'utf8')) as Fixture;
  const x1 = { rows: fx.n1, cols: fx.inputDim, data: Float64Array.from(fx.x1) };
  const x2 = { rows: fx.n2, cols: fx.inputDim, data: Float64Array.from(fx.x2) };
  describe(`limits fixture ${act}`, () => {
    test('12 cases: depths 1-3 x bias on/off x ntk/standard', () => {
      assert.equal(fx.cases.length, 12);
      const seen = new Set(fx.cases.map((c) => `${c.config.widths.length}/${c.config.bias}/${c.config.parameterization}`));
      assert.equal(seen.size, 12);
    });
    for (const c of fx.cases) {
      const name = `depth ${c.config.widths.length}, ${c.config.parameterization}, bias ${c.config.bias}, sw ${c.config.weightStd}, sb ${c.config.biasStd}`;
      test(`${name}: NTK, NNGP and every CK, x1 x1 and x1 x2`, () => {
        const net = mlp({ ...c.config, seed: 0 });
        try {
          for (const [pair, b] of [['x1x1', undefined], ['x1x2', x2]] as const) {
            const want = c[pair];
            const k = 2;
            const T = ntkLimit(net, x1, b);
            close(T.float64().map((v) => v / k), want.ntk, `${act} ${name} ${pair} ntk`);
            close(nngpLimit(net, x1, b, { outputs: 'diagonal' }).float64().filter((_, i) => i % k === 0), want.nngp, `${act} ${name} ${pair} nngp`);
            want.ck.forEach((ref, l) => close(ckLimit(net, x1, b, { layer: l + 1 }).float64(), ref, `${act} ${name} ${pair} ck layer ${l + 1}`));
            const all = infiniteWidthKernels(net, x1, b);
            close(all.ntk[all.ntk.length - 1], want.ntk, `${act} ${name} ${pair} infiniteWidthKernels ntk`);
          }
        } finally {
          net.dispose();
        }
      });
    }
  });
}

test('worst fixture agreement (reported)', () => {
  console.log(`limits fixtures: worst relative error ${worst.value.toExponential(2)} (${worst.where})`);
  assert.ok(worst.value < TOL);
});
