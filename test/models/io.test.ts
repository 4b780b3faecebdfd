/**
 * Model save/load (src/models/io.ts): round trips of an ntk-lab Mlp and a tf.sequential CNN are bit-exact (weight
 * bytes equal, NTK equal), in one weights.bin or cut into shards; models in tensorflowjs_converter's layout (a
 * Keras model_config, 3 shards, float32 / float16 / uint8-quantised weights, made by
 * test/fixtures/make_data_fixtures.py with numpy forwards as the reference) load and compute the recorded outputs;
 * damaged models fail with ModelFormatError naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadLayersModel, loadModel, ModelFormatError, saveModel } from '../../src/models/io';
import { loadModel as loadJobModel } from '../../src/tiles/model-io';
import { JobFormatError } from '../../src/tiles/errors';
import { Mlp, mlp } from '../../src/models';
import { ntk } from '../../src/ntk';
import { setupBackend } from '../helpers/setup';
import { EXPECTED, fixture, maxAbsDiff } from '../data/fixtures';

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ntk-lab-model-io-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The bytes of every weight of a LayersModel, in order. */
function weightBytes(model: tfl.LayersModel): Buffer {
  return Buffer.concat(model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer.slice(0))));
}

test('Mlp: saved and loaded back as an Mlp with the same layers, bit-identical weights and an identical NTK', async () => {
  await setupBackend();
  const start = tf.memory().numTensors;
  const { dir, cleanup } = tempDir();
  const net = mlp({ inputDim: 5, widths: [9, 7], outputDim: 2, activation: 'erf', seed: 4 });
  try {
    const info = await saveModel(net, dir);
    assert.equal(info.kind, 'mlp');
    assert.equal(info.parameters, 5 * 9 + 9 + 9 * 7 + 7 + 7 * 2 + 2);
    assert.deepEqual(readdirSync(dir).sort(), ['model.json', 'weights.bin']);
    const loaded = await loadModel(dir);
    assert.equal(loaded.kind, 'mlp');
    const back = loaded.model as Mlp;
    assert.ok(back instanceof Mlp);
    assert.deepEqual(back.layers, net.layers);
    assert.ok(weightBytes(back.model).equals(weightBytes(net.model)), 'weights bytes equal');
    const x = tf.randomNormal([6, 5], 0, 1, 'float32', 1);
    const [k0, k1] = [await ntk(net, x), await ntk(back, x)];
    assert.deepEqual(Array.from(k1.values), Array.from(k0.values));
    x.dispose();
    loaded.dispose();
  } finally {
    net.dispose();
    cleanup();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('tf.sequential CNN: saved in shards of 100 bytes (6 files), read back by loadModel and loadLayersModel, identical NTK (jacobian)', async () => {
  await setupBackend();
  const start = tf.memory().numTensors;
  const { dir, cleanup } = tempDir();
  const cnn = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [5, 5, 1], filters: 3, kernelSize: 3, activation: 'tanh', name: 'c1' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4, activation: 'relu', name: 'd1' }),
      tfl.layers.dense({ units: 1, name: 'd2' }),
    ],
  });
  try {
    const info = await saveModel(cnn, dir, { shardBytes: 100 });
    assert.equal(info.kind, 'layers-model');
    const bytes = (3 * 3 * 1 * 3 + 3 + 27 * 4 + 4 + 4 + 1) * 4;
    const k = Math.ceil(bytes / 100);
    assert.equal(k, 6);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.bin')).sort(), Array.from({ length: k }, (_, i) => `group1-shard${i + 1}of${k}.bin`).sort());
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    assert.equal(json.weightsManifest[0].paths.length, k);
    const a = await loadModel(dir);
    const b = await loadLayersModel(join(dir, 'model.json'));
    assert.equal(a.kind, 'layers-model');
    const x = tf.randomNormal([4, 5, 5, 1], 0, 1, 'float32', 2);
    const k0 = await ntk(cnn, x, undefined, { method: 'jacobian' });
    for (const m of [a.model as tfl.LayersModel, b]) {
      assert.ok(weightBytes(m).equals(weightBytes(cnn)), 'weights bytes equal');
      assert.deepEqual(Array.from((await ntk(m, x, undefined, { method: 'jacobian' })).values), Array.from(k0.values));
    }
    x.dispose();
    a.dispose();
    b.dispose();
  } finally {
    cnn.dispose();
    cleanup();
  }
  assert.equal(tf.memory().numTensors, start);
});

test("tensorflowjs_converter's layout: 3 shards split inside weights; float32, float16 and uint8 weights give numpy's outputs", async () => {
  await setupBackend();
  const start = tf.memory().numTensors;
  const cases = [
    ['tfjs_float32', EXPECTED.tfjs_float32, 1e-6, 0],
    ['tfjs_float16', EXPECTED.tfjs_float16, 1e-6, 0],
    ['tfjs_uint8', EXPECTED.tfjs_uint8, 1e-6, 1e-6],
  ] as const;
  for (const [name, exp, outTol, weightTol] of cases) {
    const model = await loadLayersModel(fixture(`${name}/model.json`));
    const weights = model.getWeights();
    weights.forEach((w, i) => {
      const err = maxAbsDiff(w.dataSync(), exp.weights?.[i] ?? []);
      assert.ok(err <= weightTol, `${name}: weight ${i} differs by ${err}`);
    });
    const x = tf.tensor2d(exp.x, [3, 4]);
    const y = model.predict(x) as tf.Tensor;
    const err = maxAbsDiff(y.dataSync(), exp.y);
    assert.ok(err < outTol, `${name}: outputs differ by ${err}`);
    tf.dispose([x, y]);
    model.dispose();
    // loadModel reads the same folder as a layers model.
    const m = await loadModel(fixture(name));
    assert.equal(m.kind, 'layers-model');
    m.dispose();
  }
  assert.equal(tf.memory().numTensors, start);
});

test('an Mlp saved with float16-quantised weights in 2 shards (written by the fixture script) loads as an Mlp computing numpy\'s outputs', async () => {
  await setupBackend();
  const start = tf.memory().numTensors;
  const exp = EXPECTED.mlp_float16;
  const loaded = await loadModel(fixture('mlp_float16'));
  assert.equal(loaded.kind, 'mlp');
  const net = loaded.model as Mlp;
  assert.deepEqual(net.layers.map((l) => [l.inDim, l.outDim, l.activation]), [[3, 6, 'tanh'], [6, 2, 'linear']]);
  // float16 values are exact in float32: the dequantised weights equal numpy's.
  net.getWeights().forEach((w, i) => {
    assert.deepEqual(Array.from(w.W), exp.weights?.[2 * i]);
    assert.deepEqual(Array.from(w.b ?? []), exp.weights?.[2 * i + 1]);
  });
  const x = tf.tensor2d(exp.x, [4, 3]);
  const y = net.predict(x);
  const err = maxAbsDiff(y.dataSync(), exp.y);
  assert.ok(err < 1e-6, `outputs differ by ${err}`);
  tf.dispose([x, y]);
  loaded.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('damaged models: a missing shard, a short shard, bad JSON, missing fields, bad specs, unknown dtypes, each a ModelFormatError', async () => {
  await setupBackend();
  const start = tf.memory().numTensors;
  const { dir, cleanup } = tempDir();
  const isModel = (re: RegExp) => (e: Error) => e instanceof ModelFormatError && re.test(e.message);
  const copy = (name: string): string => {
    const to = join(dir, name);
    cpSync(fixture('tfjs_float32'), to, { recursive: true });
    return to;
  };
  const editJson = (folder: string, edit: (j: Record<string, unknown>) => void): void => {
    const p = join(folder, 'model.json');
    const j = JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
    edit(j);
    writeFileSync(p, JSON.stringify(j));
  };
  try {
    const missing = copy('missing');
    unlinkSync(join(missing, 'group1-shard2of3.bin'));
    await assert.rejects(loadLayersModel(join(missing, 'model.json')), isModel(/weight shard 'group1-shard2of3\.bin' of group 1 \(3 shards\) is missing or unreadable \(ENOENT\)/));
    const short = copy('short');
    truncateSync(join(short, 'group1-shard3of3.bin'), 10);
    await assert.rejects(loadModel(short), isModel(/weight group 1 needs 148 bytes for its 4 weights, its 3 shard\(s\) hold \d+/));
    const notJson = copy('not-json');
    writeFileSync(join(notJson, 'model.json'), '{"format": "layers-model", ');
    await assert.rejects(loadModel(notJson), isModel(/not valid JSON/));
    const noTopology = copy('no-topology');
    editJson(noTopology, (j) => delete j.modelTopology);
    await assert.rejects(loadModel(noTopology), isModel(/needs an object 'modelTopology' and an array 'weightsManifest'/));
    const badSpec = copy('bad-spec');
    editJson(badSpec, (j) => ((j.weightsManifest as { weights: { shape: unknown }[] }[])[0].weights[1].shape = [-5]));
    await assert.rejects(loadModel(badSpec), isModel(/weightsManifest\[0\]\.weights\[1\] needs a name, a dtype and a shape/));
    const badDtype = copy('bad-dtype');
    editJson(badDtype, (j) => ((j.weightsManifest as { weights: { dtype: string }[] }[])[0].weights[0].dtype = 'complex64'));
    await assert.rejects(loadModel(badDtype), isModel(/weight 'dense_a\/kernel' has dtype 'complex64'/));
    const badTopology = copy('bad-topology');
    editJson(badTopology, (j) => ((j.modelTopology as { model_config: { class_name: string } }).model_config.class_name = 'NoSuchModel'));
    await assert.rejects(loadModel(badTopology), isModel(/tfjs-layers could not build the model/));
    await assert.rejects(loadModel(join(dir, 'nowhere')), isModel(/cannot read the model \(ENOENT\)/));
    // A tile job's model that cannot be read makes the job unusable.
    await assert.rejects(loadJobModel(missing), (e: Error) => e instanceof JobFormatError && /group1-shard2of3\.bin/.test(e.message));
  } finally {
    cleanup();
  }
  assert.equal(tf.memory().numTensors, start);
});
