/**
 * bench/jacobian: the Jacobian (autodiff) NTK method.
 *  1. The part-1 MLP 784-512-512-512-1 (relu, NTK parameterisation, biases) at n = 1000: 'jacobian' vs 'explicit'.
 *  2. A CNN conv3x3(32) -> relu -> conv3x3(32) -> relu -> flatten -> dense(1) on 28x28x1 inputs at n = 500:
 *     ntk-lab 'jacobian' beside torch.func's Jacobian-contraction recipe and a JAX jit(vmap(jacrev)) contraction
 *     (bench/peers/jacobian_peers.py, run from the project's .venv in the same invocation, same weights and
 *     inputs, same thread count), with the kernels compared.
 *
 *   npm run build && node build/bench/jacobian.js [--n-mlp 1000] [--n-cnn 500] [--repeat 3] [--threads 2] [--peers torch-func,jax]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ensureBackend } from '../src/backend';
import { linalgInfo } from '../src/linalg';
import { mlp } from '../src/models';
import { Kernel, ntk, ntkVp } from '../src/ntk';
import { Rng } from '../src/random';

const root = path.resolve(__dirname, '../..');
const { values: args } = parseArgs({
  options: {
    'n-mlp': { type: 'string', default: '1000' },
    'n-cnn': { type: 'string', default: '500' },
    repeat: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    peers: { type: 'string', default: 'torch-func,jax' },
  },
});
const repeat = Number(args.repeat);

/** Best of `repeat` timed runs (after one untimed warm-up), and the last kernel. */
async function timed(run: () => Promise<Kernel>): Promise<{ seconds: number; K: Kernel }> {
  let K = await run();
  let best = Infinity;
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    K = await run();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { seconds: best, K };
}

/** max |a - b| / max |b|. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff / scale;
}

function table(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c] + 2)).join(''));
}

async function benchMlp(n: number): Promise<void> {
  const net = mlp({ inputDim: 784, widths: [512, 512, 512], outputDim: 1, activation: 'relu', parameterization: 'ntk', bias: true, weightStd: 1, biasStd: 1, seed: n });
  try {
    const x = { rows: n, cols: 784, data: new Rng(n + 7).normals32(n * 784) };
    const e = await timed(() => ntk(net, x, undefined, { method: 'explicit' }));
    const j = await timed(() => ntk(net, x, undefined, { method: 'jacobian' }));
    console.log(`\n1. MLP 784-512-512-512-1 relu, n = ${n}`);
    table([
      ['method', 'seconds', 'vs explicit', 'max rel diff'],
      ['explicit', e.seconds.toFixed(3), '1.00', '-'],
      ['jacobian', j.seconds.toFixed(3), (j.seconds / e.seconds).toFixed(2) + 'x', maxRel(j.K.values, e.K.values).toExponential(1)],
    ]);
  } finally {
    net.dispose();
  }
}

interface PeerResult {
  impl: string;
  seconds: number;
  runs: number[];
}

async function benchCnn(n: number): Promise<void> {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], name: 'conv1' }),
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 1, name: 'dense' }),
    ],
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-bench-jacobian-'));
  try {
    // He-scaled weights (relu keeps its scale), small biases; written in tfjs layouts for the peers.
    const rng = new Rng(n + 11);
    const names = ['conv1_k', 'conv1_b', 'conv2_k', 'conv2_b', 'dense_k', 'dense_b'];
    const values = model.getWeights().map((w) => {
      const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 0;
      return rng.normals32(w.size, fanIn ? Math.sqrt(2 / fanIn) : 0.1);
    });
    const tensors = model.getWeights().map((w, i) => tf.tensor(values[i], w.shape));
    model.setWeights(tensors);
    tf.dispose(tensors);
    values.forEach((v, i) => fs.writeFileSync(path.join(dir, `${names[i]}.f32`), v));
    const xData = new Rng(n + 13).normals32(n * 28 * 28);
    fs.writeFileSync(path.join(dir, 'x.f32'), xData);
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ n, height: 28, width: 28, channels: 1, filters: [32, 32], kernel: 3 }));
    const x = tf.tensor(xData, [n, 28, 28, 1]);
    // ntk-lab is timed before and after the peers (best of both): a shared machine's load then biases neither side.
    const ours = await timed(() => ntk(model, x, undefined, { method: 'jacobian' }));
    const python = path.join(root, '.venv/bin/python');
    if (!fs.existsSync(python)) throw new Error(`${python} missing: run 'bash scripts/python-venv.sh --bench' first`);
    const out = execFileSync(python, [path.join(root, 'bench/peers/jacobian_peers.py'), '--dir', dir, '--impl', args.peers, '--threads', args.threads, '--repeat', String(repeat)], { encoding: 'utf8' });
    const again = await timed(() => ntk(model, x, undefined, { method: 'jacobian' }));
    // NTK-vector product Theta v without the kernel, against the kernel times v.
    const v = new Rng(n + 17).normals32(n);
    const t0 = performance.now();
    const tv = await ntkVp(model, x, v);
    const vpSeconds = (performance.now() - t0) / 1000;
    const kv = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) kv[i] += ours.K.values[i * n + j] * v[j];
    x.dispose();
    ours.seconds = Math.min(ours.seconds, again.seconds);
    const rows = [['impl', 'seconds', 'vs ntk-lab', 'max rel diff']];
    rows.push(['ntk-lab jacobian', ours.seconds.toFixed(3), '1.00', '-']);
    let fastest = Infinity;
    for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
      const peer = JSON.parse(line) as PeerResult;
      const theirs = new Float32Array(fs.readFileSync(path.join(dir, `kernel_${peer.impl}.f32`)).buffer.slice(0));
      fastest = Math.min(fastest, peer.seconds);
      rows.push([peer.impl, peer.seconds.toFixed(3), (peer.seconds / ours.seconds).toFixed(2) + 'x', maxRel(ours.K.values, theirs).toExponential(1)]);
    }
    console.log(`\n2. CNN conv3x3(32)-relu-conv3x3(32)-relu-dense(1), 28x28x1, n = ${n}`);
    table(rows);
    console.log(`ntk-lab is ${(fastest / ours.seconds).toFixed(2)}x the fastest peer ('vs ntk-lab' = peer seconds / ntk-lab seconds; > 1: ntk-lab faster)`);
    console.log(`ntkVp (Theta v, no kernel formed): ${vpSeconds.toFixed(3)} s, max rel diff to K v ${maxRel(tv, kv).toExponential(1)}`);
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const backend = await ensureBackend();
  const info = linalgInfo();
  console.log(`bench/jacobian: ${os.cpus().length} cores; ntk-lab: tfjs ${backend.name}, ${info.implementation} (${info.blas}, ${info.threads} threads); peers with ${args.threads} threads; best of ${repeat} after a warm-up`);
  await benchMlp(Number(args['n-mlp']));
  await benchCnn(Number(args['n-cnn']));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
