/**
 * Acceptance 2 of NTK part 2: the Jacobian method against kernels computed by JAX autodiff in float64
 * (test/fixtures/make_jacobian_fixtures.py): a CNN (2 Conv2D + max pool + Dense, 12x12x1 inputs, k = 3) and an
 * embedding + dense net; full and trace layouts, the NTK and every per-tensor component, within 1e-4.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ntkLayerwise } from '../../src/ntk';
import { relFrobenius } from '../helpers/finite-differences';
import { setupBackend } from '../helpers/setup';

type LayerSpec = { class: string; name: string } & Record<string, unknown>;
interface Values {
  shape: number[];
  values: number[];
}
type Layouts = { full: number[]; trace: number[] };
interface Fixture {
  name: string;
  k: number;
  layers: LayerSpec[];
  weights: Record<string, Values>;
  x1: Values;
  x2: Values;
  ntk: Record<'x1x1' | 'x1x2', Layouts>;
  components: Record<'x1x1' | 'x1x2', Record<string, Layouts>>;
}

const dir = path.resolve(__dirname, '../../../test/fixtures/jacobian');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

function layer(s: LayerSpec): tfl.layers.Layer {
  const { class: cls, ...args } = s;
  switch (cls) {
    case 'Conv2D':
      return tfl.layers.conv2d(args as never);
    case 'MaxPooling2D':
      return tfl.layers.maxPooling2d(args as never);
    case 'Flatten':
      return tfl.layers.flatten(args as never);
    case 'Dense':
      return tfl.layers.dense(args as never);
    case 'Embedding':
      return tfl.layers.embedding(args as never);
    default:
      throw new Error(`fixture layer class ${cls}`);
  }
}

/** The fixture's network as a tf.Sequential with its weights. */
function build(fx: Fixture): tfl.Sequential {
  const model = tfl.sequential({ layers: fx.layers.map(layer) });
  const tensors = model.layers.flatMap((l) =>
    l.weights.map((w) => {
      const ref = fx.weights[`${l.name}/${w.originalName.slice(w.originalName.lastIndexOf('/') + 1)}`];
      assert.ok(ref, `weight ${w.name} in the fixture`);
      return tf.tensor(ref.values, ref.shape);
    }),
  );
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

before(setupBackend);

test('two fixtures are present', () => assert.equal(files.length, 2));

for (const file of files) {
  const fx = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Fixture;
  describe(`fixture ${fx.name}`, () => {
    for (const pair of ['x1x1', 'x1x2'] as const) {
      for (const layout of ['full', 'trace'] as const) {
        test(`${pair} ${layout}: NTK and every component within 1e-4`, async (t) => {
          const model = build(fx);
          const x1 = tf.tensor(fx.x1.values, fx.x1.shape);
          const x2 = tf.tensor(fx.x2.values, fx.x2.shape);
          try {
            const res = await ntkLayerwise(model, x1, pair === 'x1x1' ? undefined : x2, { method: 'jacobian', outputs: layout });
            const err = relFrobenius(res.ntk.values, fx.ntk[pair][layout]);
            let worst = 0;
            assert.ok(err <= 1e-4, `NTK ${err}`);
            assert.deepEqual(res.components.map((c) => c.label), Object.keys(fx.components[pair]));
            for (const c of res.components) {
              const e = relFrobenius(c.values, fx.components[pair][c.label][layout]);
              assert.ok(e <= 1e-4, `${c.label}: ${e}`);
              worst = Math.max(worst, e);
            }
            t.diagnostic(`NTK ${err.toExponential(2)}, worst component ${worst.toExponential(2)}`);
          } finally {
            tf.dispose([x1, x2]);
            model.dispose();
          }
        });
      }
    }
  });
}
