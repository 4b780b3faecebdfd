/**
 * Issue 15, part 3: a model can be built before anything awaited ensureBackend() (the README's first lines do
 * that). Each scenario runs in a fresh Node process, since this test runner's process already has a backend: one
 * builds the MLP first (tfjs has no backend yet, so ntk-lab sets the cpu one synchronously) and lets ntk() pick
 * wasm, the other calls ensureBackend() first. tfjs must move the variables to wasm when they are first used
 * there, the kernels and predictions must be the other process's, and no tensor may be left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const INDEX = resolve(__dirname, '../../src/index.js');

interface Report {
  backendAtStart: string | null;
  builtOn: string;
  backend: string | undefined;
  tfBackend: string;
  explicit: number[];
  jacobian: number[];
  prediction: number[];
  cpuDataIds: { afterBuild: number; afterUse: number };
  tensors: { start: number; afterBuild: number; afterKernels: number; end: number };
}

// `buildFirst`: mlp() before any backend exists; otherwise ensureBackend() first, as the docs used to require.
function script(buildFirst: boolean): string {
  return `
const tf = require('@tensorflow/tfjs-core');
const lab = require(${JSON.stringify(INDEX)});
(async () => {
  const backendAtStart = tf.getBackend() ?? null;
  // tf.memory() needs a backend; the engine's own count does not.
  const count = () => tf.engine().state.numTensors;
  const start = count();
  if (!${buildFirst}) await lab.ensureBackend();
  const net = lab.mlp({ inputDim: 5, widths: [16, 8], outputDim: 2, activation: 'tanh', seed: 3 });
  const builtOn = tf.getBackend();
  const cpu = tf.findBackend('cpu');
  const cpuAfterBuild = cpu ? cpu.numDataIds() : 0;
  const afterBuild = count();
  const x = Array.from({ length: 6 }, (_, i) => Array.from({ length: 5 }, (_, j) => Math.sin(1 + 7 * i + j)));
  // ntk() calls ensureBackend() itself: with the model built first, this is where wasm becomes active.
  const explicit = await lab.ntk(net, x, undefined, { outputs: 'full' });
  const jacobian = await lab.ntk(net, x, undefined, { outputs: 'full', method: 'jacobian' });
  const afterKernels = count();
  const xt = tf.tensor2d(x);
  const y = net.predict(xt);
  const prediction = Array.from(y.dataSync());
  tf.dispose([xt, y]);
  const cpuAfterUse = cpu ? cpu.numDataIds() : 0;
  net.dispose();
  console.log(JSON.stringify({
    backendAtStart, builtOn, backend: lab.backendInfo()?.name, tfBackend: tf.getBackend(),
    explicit: Array.from(explicit.values), jacobian: Array.from(jacobian.values), prediction,
    cpuDataIds: { afterBuild: cpuAfterBuild, afterUse: cpuAfterUse },
    tensors: { start, afterBuild, afterKernels, end: count() },
  }));
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
`;
}

async function runScenario(buildFirst: boolean): Promise<Report> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script(buildFirst)], {
    // wasm is always installed and is not the cpu backend: the scenario then has to move the variables.
    env: { ...process.env, NTK_BACKEND: 'wasm' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Report;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: readonly number[]): number {
  return a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

test('mlp() before ensureBackend(): built on cpu synchronously, moved to wasm lazily, same kernels as ensureBackend() first, no tensor left', async (t) => {
  const [first, ensured] = await Promise.all([runScenario(true), runScenario(false)]);
  t.diagnostic(`build first: built on ${first.builtOn}, then ${first.tfBackend}; cpu data ids ${JSON.stringify(first.cpuDataIds)}; tensors ${JSON.stringify(first.tensors)}`);

  // A fresh process has no backend; building the model gave it cpu, and ntk() then switched to wasm.
  assert.equal(first.backendAtStart, null);
  assert.equal(first.builtOn, 'cpu');
  assert.equal(first.backend, 'wasm');
  assert.equal(first.tfBackend, 'wasm');
  assert.equal(ensured.builtOn, 'wasm');

  // The variables were made on cpu and left it when wasm first used them (predict ran on wasm).
  assert.ok(first.cpuDataIds.afterBuild >= 6, `cpu held ${first.cpuDataIds.afterBuild} data ids after building (6 variables)`);
  assert.equal(first.cpuDataIds.afterUse, 0, 'variables still on the cpu backend after wasm used them');

  // Same weights (seeded by ntk-lab's Rng), so the same kernels and outputs as the process that chose wasm first.
  const scale = maxAbs(ensured.explicit);
  assert.ok(scale > 0);
  assert.ok(maxAbsDiff(first.explicit, ensured.explicit) <= 1e-6 * scale, 'explicit NTK differs from the ensureBackend()-first process');
  assert.ok(maxAbsDiff(first.jacobian, ensured.jacobian) <= 1e-6 * scale, 'autodiff NTK differs from the ensureBackend()-first process');
  assert.ok(maxAbsDiff(first.prediction, ensured.prediction) <= 1e-6 * maxAbs(ensured.prediction), 'predictions differ');
  // The two methods are independent routes to the same kernel (test/ntk/jacobian-models: 1e-4 relative).
  assert.ok(maxAbsDiff(first.explicit, first.jacobian) <= 1e-4 * scale, 'explicit and autodiff NTK disagree');

  // Only the model's variables outlive the calls, and disposing the model frees them.
  for (const r of [first, ensured]) {
    assert.equal(r.tensors.start, 0);
    assert.equal(r.tensors.afterKernels, r.tensors.afterBuild, `kernels leaked tensors: ${JSON.stringify(r.tensors)}`);
    assert.equal(r.tensors.end, r.tensors.start, `tensors left after dispose: ${JSON.stringify(r.tensors)}`);
  }
});
