/**
 * Acceptance 2 of NTK part 1: ntk-lab against kernels computed by JAX autodiff in float64
 * (test/fixtures/make_ntk_fixtures.py; the tests need no Python).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ActivationName, mlp } from '../../src/models';
import { ck, ntk, ntkLayerwise } from '../../src/ntk';
import { relFrobenius } from '../helpers/finite-differences';
import { setupBackend } from '../helpers/setup';

type Layouts = { full: number[]; trace: number[]; diagonal?: number[] };
interface Fixture {
  name: string;
  config: { inputDim: number; widths: number[]; outputDim: number; activation: ActivationName; parameterization: 'ntk' | 'standard'; bias: boolean; weightStd: number; biasStd: number };
  x1: number[];
  x2: number[];
  n1: number;
  n2: number;
  weights: { W: number[]; b: number[] | null }[];
  ntk: Record<'x1x1' | 'x1x2', Required<Layouts>>;
  components: Record<'x1x1' | 'x1x2', Record<string, Layouts>>;
  ck: Record<'x1x1' | 'x1x2', Record<string, number[]>>;
}

// Source tree, not build/: the fixtures are data, not compiled.
const dir = path.resolve(__dirname, '../../../test/fixtures/ntk');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

before(setupBackend);

test('three fixtures are present', () => assert.equal(files.length, 3));

for (const file of files) {
  const fx = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Fixture;
  describe(`fixture ${fx.name}`, () => {
    const build = () => {
      const net = mlp({ ...fx.config, seed: 0 });
      net.setWeights(fx.weights.map((w) => ({ W: Float32Array.from(w.W), b: w.b ? Float32Array.from(w.b) : null })));
      const d = fx.config.inputDim;
      return { net, x1: { rows: fx.n1, cols: d, data: Float32Array.from(fx.x1) }, x2: { rows: fx.n2, cols: d, data: Float32Array.from(fx.x2) } };
    };
    for (const pair of ['x1x1', 'x1x2'] as const) {
      for (const layout of ['full', 'trace', 'diagonal'] as const) {
        test(`${pair} ${layout}: NTK and components within 1e-4`, async () => {
          const { net, x1, x2 } = build();
          try {
            const res = await ntkLayerwise(net, x1, pair === 'x1x1' ? undefined : x2, { outputs: layout });
            const err = relFrobenius(res.ntk.values, fx.ntk[pair][layout]);
            assert.ok(err <= 1e-4, `NTK ${err}`);
            const refs = fx.components[pair];
            assert.deepEqual(res.components.map((c) => c.label), Object.keys(refs));
            if (layout === 'diagonal') return; // the fixture stores components in full and trace layouts
            for (const c of res.components) {
              const e = relFrobenius(c.values, refs[c.label][layout]);
              assert.ok(e <= 1e-4, `${c.label}: ${e}`);
            }
          } finally {
            net.dispose();
          }
        });
      }
      test(`${pair} conjugate kernels within 1e-4`, async () => {
        const { net, x1, x2 } = build();
        try {
          for (const [label, ref] of Object.entries(fx.ck[pair])) {
            const K = await ck(net, x1, pair === 'x1x1' ? undefined : x2, { layer: Number(label.replace('layer', '')) });
            assert.ok(relFrobenius(K.values, ref) <= 1e-4, label);
          }
        } finally {
          net.dispose();
        }
      });
    }
    test('untiled and tiled agree on the fixture', async () => {
      const { net, x1 } = build();
      try {
        const a = await ntk(net, x1, undefined, { outputs: 'full' });
        const b = await ntk(net, x1, undefined, { outputs: 'full', tile: 5 });
        assert.ok(relFrobenius(b.values, a.values) <= 1e-6);
      } finally {
        net.dispose();
      }
    });
  });
}
