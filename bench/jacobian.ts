/**
 * bench/jacobian: the Jacobian (autodiff) NTK method.
 *  1. The part-1 MLP 784-512-512-512-1 (relu, NTK parameterisation, biases) at n = 1000: 'jacobian' vs 'explicit'.
 *  2. A CNN conv3x3(32) -> relu -> conv3x3(32) -> relu -> flatten -> dense(1) on 28x28x1 inputs at n = 500:
 *     ntk-lab 'jacobian' beside torch.func's Jacobian-contraction recipe and a JAX jit(vmap(jacrev)) contraction
 *     (bench/peers/jacobian_peers.py, run from the project's .venv in the same invocation, same weights and
 *     inputs, same thread count), with the kernels compared; then the CNN's work per layer (issue 19 item 1):
 *     executed FLOPs (ntkCost: the route each layer takes), minimal FLOPs (Novak et al. 2022), time, GFLOP/s on
 *     the minimal count and its fraction of this run's sgemm rate (measured here through the addon).
 *  2b. A ResNet-style block (conv-relu, then conv-BN-relu-conv + identity skip, relu, dense(1); 28x28x1, 16 filters)
 *     beside torch.func (same weights, BatchNorm with its moving statistics in both).
 *  2c. Pure functions (issue 19 items 3, 4): the selfAttention block (src/models/attention.ts; T = 16 tokens, d = h = 32,
 *     k = 1) through the batched pure route beside the per-example route (ratio) and torch.func (same weights).
 *  2d. Depthwise, separable and transposed convolutions and layer normalisation (issue 19 item 3): their own ops vs
 *     the generic per-example tfjs path on the same model (ratio, kernels compared).
 *  3. Convolution routes (issue 19 item 2): per-example gradients vs patch Gram x delta Gram on shapes where
 *     either wins, both timed (alternated, best of --repeat), beside the cost model's predicted order.
 * Timings on a shared machine are noisy: every comparison alternates its sides and keeps each side's best.
 *
 *   npm run build && node build/bench/jacobian.js [--n-mlp 1000] [--n-cnn 500] [--repeat 3] [--threads 2] [--peers torch-func,jax] [--parts mlp,cnn,resnet,attention,layers,routes] [--n-attention 300] [--n-layers 200]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ensureBackend } from '../src/backend';
import { linalgInfo, matmul } from '../src/linalg';
import { mlp, selfAttention } from '../src/models';
import { Kernel, NtkCost, NtkOptions, ntk, ntkCost, ntkVp } from '../src/ntk';
import { startProfile, stopProfile } from '../src/ntk/jacobian/profile';
import { Rng } from '../src/random';

const root = path.resolve(__dirname, '../..');
const { values: args } = parseArgs({
  options: {
    'n-mlp': { type: 'string', default: '1000' },
    'n-cnn': { type: 'string', default: '500' },
    repeat: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    peers: { type: 'string', default: 'torch-func,jax' },
    parts: { type: 'string', default: 'mlp,cnn,resnet,attention,layers,routes' },
    'n-layers': { type: 'string', default: '200' },
    'n-resnet': { type: 'string', default: '500' },
    'n-attention': { type: 'string', default: '300' },
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

/** Best seconds of each run over `repeat` rounds that alternate the runs (after one untimed warm-up each), and the last kernels. */
async function alternated(runs: (() => Promise<Kernel>)[]): Promise<{ seconds: number; K: Kernel }[]> {
  const out = [] as { seconds: number; K: Kernel }[];
  for (const run of runs) out.push({ seconds: Infinity, K: await run() });
  for (let r = 0; r < repeat; r++) {
    for (const [i, run] of runs.entries()) {
      const t0 = performance.now();
      out[i].K = await run();
      out[i].seconds = Math.min(out[i].seconds, (performance.now() - t0) / 1000);
    }
  }
  return out;
}

/** This run's sgemm rate through the addon (or the fallback): best of 3, C = A B with m = n = k = size. */
function sgemmRate(size: number): number {
  const a = { rows: size, cols: size, data: new Rng(1).normals32(size * size) };
  const b = { rows: size, cols: size, data: new Rng(2).normals32(size * size) };
  const out = { rows: size, cols: size, data: new Float32Array(size * size) };
  matmul(a, b, { checkFinite: false, out });
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    matmul(a, b, { checkFinite: false, out });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return (2 * size * size * size) / best;
}

function g(flops: number): string {
  return (flops / 1e9).toFixed(2);
}

function table(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c] + 2)).join(''));
}

async function benchMlp(n: number): Promise<void> {
  const net = mlp({ inputDim: 784, widths: [512, 512, 512], outputDim: 1, activation: 'relu', parameterization: 'ntk', bias: true, weightStd: 1, biasStd: 1, seed: n });
  try {
    const x = { rows: n, cols: 784, data: new Rng(n + 7).normals32(n * 784) };
    const [e, j] = await alternated([() => ntk(net, x, undefined, { method: 'explicit' }), () => ntk(net, x, undefined, { method: 'jacobian' })]);
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

/**
 * The CNN's kernel by part: one profiled run (after the timed ones), its seconds per layer beside ntkCost's counts.
 * A layer's time is its forward and reverse pass (per-example gradients formed in it included) and the
 * contractions of its tensors; 'other ops' are the passes of activations, reshapes and the like.
 */
async function perLayer(cost: NtkCost, run: () => Promise<Kernel>, best: number, sgemm: number): Promise<void> {
  startProfile();
  const t0 = performance.now();
  await run();
  const wall = (performance.now() - t0) / 1000;
  const t = stopProfile();
  const get = (key: string): number => t.get(key) ?? 0;
  const rows = [['layer', 'route', 'pass GFLOP', 'executed GFLOP', 'minimal GFLOP', 'pass s', 'form s', 'contract s', 'seconds', 'GFLOP/s executed', 'GFLOP/s minimal', 'of sgemm']];
  let attributed = 0;
  const linear = new Set(cost.layers.map((l) => l.layer));
  const row = (name: string, route: string, pass: number, executed: number, minimal: number, seconds: number, split = ['-', '-', '-']): string[] => [
    name, route, g(pass), g(executed), g(minimal), ...split, seconds.toFixed(3), (executed / seconds / 1e9).toFixed(1), (minimal / seconds / 1e9).toFixed(1),
    `${((100 * minimal) / seconds / sgemm).toFixed(0)}%`,
  ];
  for (const l of cost.layers) {
    const contract = l.labels.reduce((s, label) => s + get(`${label}:contract`), 0);
    const form = get(`${l.layer}:form`);
    const seconds = get(`${l.layer}:pass`) + contract;
    attributed += seconds;
    const split = [get(`${l.layer}:pass`) - form, form, contract].map((v) => v.toFixed(3));
    rows.push(row(l.layer, l.route, l.passFlops, l.passFlops + l.executedFlops, l.passFlops + l.minimalFlops, seconds, split));
  }
  let others = 0;
  for (const [key, v] of t) if (key.endsWith(':pass') && !linear.has(key.slice(0, -5))) others += v;
  const dash = (v: number): string[] => ['-', '-', '-', '-', '-', '-', '-', v.toFixed(3), '-', '-', '-'];
  rows.push(['other ops', ...dash(others)]);
  const copies = get('copy factors') + get('mirror');
  rows.push(['copy factors, mirror', ...dash(copies)]);
  rows.push(['unattributed', ...dash(Math.max(0, wall - attributed - others - copies))]);
  const total = cost.passFlops + cost.executedFlops;
  const minimal = cost.passFlops + cost.minimalFlops;
  rows.push(row('total (best run)', '-', cost.passFlops, total, minimal, best));
  console.log(`\nper layer (one profiled run, ${wall.toFixed(3)} s; FLOPs by ntkCost, 2 per multiply-add, pairs = n (n + 1) / 2 for the symmetric kernel):`);
  table(rows);
  for (const l of cost.layers) {
    const part = (p: string): string => `${p} ${get(`${l.layer}:${p}`).toFixed(3)} s`;
    console.log(`  ${l.layer} pass: ${['conv', 'im2col', 'gemm', 'activate'].map(part).join(', ')}${l.routes ? `; ${l.reason}` : ''}`);
  }
  console.log(
    `minimal kernel contractions alone (Novak et al.): ${g(cost.minimalFlops)} GFLOP, ${(cost.minimalFlops / best / 1e9).toFixed(1)} GFLOP/s = ` +
      `${((100 * cost.minimalFlops) / best / sgemm).toFixed(0)}% of sgemm; with the passes any reverse-mode route needs (forward + input cotangents): ` +
      `${g(minimal)} GFLOP, ${(minimal / best / 1e9).toFixed(1)} GFLOP/s = ${((100 * minimal) / best / sgemm).toFixed(0)}% of sgemm ` +
      `(Novak's n^2 convention, no symmetry: contractions ${g((cost.minimalFlops * 2 * cost.n1) / (cost.n1 + 1))} GFLOP)`,
  );
}

async function benchCnn(n: number, sgemm: number): Promise<void> {
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
    // sgemm is measured next to ntk-lab's timings too, and its best kept (as the timings' best).
    sgemm = Math.max(sgemm, sgemmRate(1536));
    const ours = await timed(() => ntk(model, x, undefined, { method: 'jacobian' }));
    sgemm = Math.max(sgemm, sgemmRate(1536));
    const python = path.join(root, '.venv/bin/python');
    if (!fs.existsSync(python)) throw new Error(`${python} missing: run 'bash scripts/python-venv.sh --bench' first`);
    const out = execFileSync(python, [path.join(root, 'bench/peers/jacobian_peers.py'), '--dir', dir, '--impl', args.peers, '--threads', args.threads, '--repeat', String(repeat)], { encoding: 'utf8' });
    const again = await timed(() => ntk(model, x, undefined, { method: 'jacobian' }));
    sgemm = Math.max(sgemm, sgemmRate(1536));
    console.log(`sgemm next to ntk-lab's CNN timings: best ${(sgemm / 1e9).toFixed(1)} GFLOP/s (the fractions below are of this best)`);
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
    const xp = tf.tensor(xData, [n, 28, 28, 1]);
    try {
      await perLayer(ntkCost(model, n), () => ntk(model, xp, undefined, { method: 'jacobian' }), ours.seconds, sgemm);
    } finally {
      xp.dispose();
    }
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function benchResnet(n: number): Promise<void> {
  const f = 16;
  const S = (t: unknown): tfl.SymbolicTensor => t as tfl.SymbolicTensor;
  const input = tfl.input({ shape: [28, 28, 1] });
  const h0 = S(tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv0' }).apply(input));
  const h1 = S(tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', name: 'conv1' }).apply(h0));
  const h2 = S(tfl.layers.activation({ activation: 'relu', name: 'relu1' }).apply(S(tfl.layers.batchNormalization({ name: 'bn', epsilon: 1e-3 }).apply(h1))));
  const h3 = S(tfl.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', name: 'conv2' }).apply(h2));
  const h4 = S(tfl.layers.activation({ activation: 'relu', name: 'relu2' }).apply(S(tfl.layers.add({ name: 'skip' }).apply([h3, h0]))));
  const out = S(tfl.layers.dense({ units: 1, name: 'dense' }).apply(S(tfl.layers.flatten({ name: 'flat' }).apply(h4))));
  const model = tfl.model({ inputs: input, outputs: out });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-bench-resnet-'));
  try {
    const rng = new Rng(n + 21);
    const file: Record<string, string> = {
      'conv0/kernel': 'conv0_k', 'conv0/bias': 'conv0_b', 'conv1/kernel': 'conv1_k', 'conv1/bias': 'conv1_b', 'conv2/kernel': 'conv2_k',
      'conv2/bias': 'conv2_b', 'bn/gamma': 'bn_gamma', 'bn/beta': 'bn_beta', 'bn/moving_mean': 'bn_mean', 'bn/moving_variance': 'bn_var',
      'dense/kernel': 'dense_k', 'dense/bias': 'dense_b',
    };
    const tensors = model.weights.map((w) => {
      const shape = w.shape as number[];
      const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : 0;
      const name = w.originalName;
      const v = name === 'bn/moving_variance'
        ? rng.normals32(f).map((z) => 0.5 + Math.abs(z))
        : name === 'bn/gamma'
          ? rng.normals32(f, 0.2).map((z) => 1 + z)
          : rng.normals32(shape.reduce((a, b) => a * b, 1), fanIn ? Math.sqrt(2 / fanIn) : 0.1);
      if (!file[name]) throw new Error(`resnet bench: weight ${name} has no peer file`);
      fs.writeFileSync(path.join(dir, `${file[name]}.f32`), v);
      return tf.tensor(v, shape);
    });
    model.setWeights(tensors);
    tf.dispose(tensors);
    const xData = new Rng(n + 23).normals32(n * 28 * 28);
    fs.writeFileSync(path.join(dir, 'x.f32'), xData);
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ arch: 'resnet', n, height: 28, width: 28, channels: 1, filters: f }));
    const x = tf.tensor(xData, [n, 28, 28, 1]);
    try {
      const ours = await timed(() => ntk(model, x, undefined, { method: 'jacobian' }));
      const python = path.join(root, '.venv/bin/python');
      const outp = execFileSync(python, [path.join(root, 'bench/peers/jacobian_peers.py'), '--dir', dir, '--impl', 'torch-func', '--threads', args.threads, '--repeat', String(repeat)], { encoding: 'utf8' });
      const again = await timed(() => ntk(model, x, undefined, { method: 'jacobian' }));
      ours.seconds = Math.min(ours.seconds, again.seconds);
      const rows = [['impl', 'seconds', 'vs ntk-lab', 'max rel diff'], ['ntk-lab jacobian', ours.seconds.toFixed(3), '1.00', '-']];
      for (const line of outp.split('\n').filter((l) => l.startsWith('{'))) {
        const peer = JSON.parse(line) as PeerResult;
        const theirs = new Float32Array(fs.readFileSync(path.join(dir, `kernel_${peer.impl}.f32`)).buffer.slice(0));
        rows.push([peer.impl, peer.seconds.toFixed(3), (peer.seconds / ours.seconds).toFixed(2) + 'x', maxRel(ours.K.values, theirs).toExponential(1)]);
      }
      const c = ntkCost(model, n);
      console.log(`\n2b. ResNet-style block: conv3x3(${f})-relu, [conv3x3-BN-relu-conv3x3] + skip, relu, dense(1); 28x28x1, n = ${n}`);
      table(rows);
      console.log(`FLOPs (ntkCost): pass ${g(c.passFlops)}, executed ${g(c.passFlops + c.executedFlops)}, minimal ${g(c.passFlops + c.minimalFlops)} GFLOP; ${((c.passFlops + c.minimalFlops) / ours.seconds / 1e9).toFixed(1)} GFLOP/s on the minimal count`);
    } finally {
      x.dispose();
    }
  } finally {
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function benchAttention(n: number): Promise<void> {
  const T = 16;
  const d = 32;
  const net = selfAttention({ dim: d, headDim: d, outputDim: 1, seed: n + 31 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-bench-attention-'));
  const x = tf.tensor(new Rng(n + 33).normals32(n * T * d), [n, T, d]);
  try {
    const files = ['query', 'key', 'value', 'output', 'readout_k', 'readout_b'];
    net.params.forEach((p, t) => fs.writeFileSync(path.join(dir, `${files[t]}.f32`), p.dataSync() as Float32Array));
    fs.writeFileSync(path.join(dir, 'x.f32'), x.dataSync() as Float32Array);
    fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ arch: 'attention', n, tokens: T, dim: d, head: d, residual: true }));
    const perExample = { ...net, route: 'per-example' as const };
    const [batched, single] = await alternated([() => ntk(net, x), () => ntk(perExample, x)]);
    const python = path.join(root, '.venv/bin/python');
    const outp = execFileSync(python, [path.join(root, 'bench/peers/jacobian_peers.py'), '--dir', dir, '--impl', 'torch-func', '--threads', args.threads, '--repeat', String(repeat)], { encoding: 'utf8' });
    const again = await timed(() => ntk(net, x));
    batched.seconds = Math.min(batched.seconds, again.seconds);
    const rows = [
      ['impl', 'seconds', 'vs batched', 'max rel diff'],
      ['ntk-lab batched pure route', batched.seconds.toFixed(3), '1.00', '-'],
      ['ntk-lab per-example route', single.seconds.toFixed(3), (single.seconds / batched.seconds).toFixed(2) + 'x', maxRel(single.K.values, batched.K.values).toExponential(1)],
    ];
    for (const line of outp.split('\n').filter((l) => l.startsWith('{'))) {
      const peer = JSON.parse(line) as PeerResult;
      const theirs = new Float32Array(fs.readFileSync(path.join(dir, `kernel_${peer.impl}.f32`)).buffer.slice(0));
      rows.push([peer.impl, peer.seconds.toFixed(3), (peer.seconds / batched.seconds).toFixed(2) + 'x', maxRel(batched.K.values, theirs).toExponential(1)]);
    }
    console.log(`\n2c. Self-attention (pure function): T = ${T} tokens, d = h = ${d}, residual, mean-pooled dense(1); n = ${n}`);
    console.log(`route chosen: ${batched.K.normalization.replace(/^.*per-example gradients by /, '')}`);
    table(rows);
    await benchPureMlp(200);
  } finally {
    net.dispose();
    x.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * 2d. Depthwise, separable and transposed convolutions and layer normalisation (issue 19 item 3): their own ops vs
 * the generic per-example tfjs path on the same model, weights and inputs. The generic path is forced by renaming
 * the layers' class for the rule lookup (layers.ts dispatches on getClassName()), nothing else changes.
 */
async function benchLayers(n: number): Promise<void> {
  const init = (seed: number) => ({ depthwiseInitializer: tfl.initializers.glorotNormal({ seed }), pointwiseInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) });
  const model = tfl.sequential({
    layers: [
      tfl.layers.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'tanh', inputShape: [16, 16, 8], name: 'sep', ...init(41) }),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'tanh', name: 'dw', depthwiseInitializer: tfl.initializers.glorotNormal({ seed: 43 }) }),
      tfl.layers.layerNormalization({ name: 'ln' }),
      tfl.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh', name: 'up', kernelInitializer: tfl.initializers.glorotNormal({ seed: 44 }) }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 1, name: 'head', kernelInitializer: tfl.initializers.glorotNormal({ seed: 45 }) }),
    ],
  });
  const x = tf.tensor(new Rng(n + 47).normals32(n * 16 * 16 * 8), [n, 16, 16, 8]);
  const renamed = ['sep', 'dw', 'ln', 'up'].map((name) => model.getLayer(name) as unknown as { getClassName(): string });
  const classes = renamed.map((l) => l.getClassName());
  const generic = (on: boolean): void => renamed.forEach((l, i) => (l.getClassName = () => (on ? `Generic${classes[i]}` : classes[i])));
  try {
    const run = (on: boolean) => async (): Promise<Kernel> => {
      generic(on);
      try {
        return await ntk(model, x, undefined, { method: 'jacobian' });
      } finally {
        generic(false);
      }
    };
    const [own, slow] = await alternated([run(false), run(true)]);
    const c = ntkCost(model, n);
    console.log(`\n2d. SeparableConv2D(16, 3x3) - DepthwiseConv2D(3x3, x2, stride 2) - LayerNormalization - Conv2DTranspose(8, 3x3, stride 2) - dense(1), tanh; 16x16x8, n = ${n}`);
    table([
      ['route', 'seconds', 'vs own ops', 'max rel diff'],
      ['own ops (layers.ts rules)', own.seconds.toFixed(3), '1.00', '-'],
      ['generic tfjs path', slow.seconds.toFixed(3), (slow.seconds / own.seconds).toFixed(2) + 'x', maxRel(slow.K.values, own.K.values).toExponential(1)],
    ]);
    console.log(`FLOPs (ntkCost, own ops): pass ${g(c.passFlops)}, executed ${g(c.passFlops + c.executedFlops)}, minimal ${g(c.passFlops + c.minimalFlops)} GFLOP; plan: ${c.plan}`);
  } finally {
    model.dispose();
    x.dispose();
  }
}

/**
 * A pure two-layer tanh net 32-64-10 written for both parameter forms: batched vs per-example route (k = 10, trace
 * layout; small, so that forming the gradients rather than their Gram dominates).
 */
async function benchPureMlp(n: number): Promise<void> {
  const rng = new Rng(n + 41);
  const shapes = [[32, 64], [64], [64, 10], [10]];
  const params = shapes.map((s, t) => tf.tensor(rng.normals32(s.reduce((a, b) => a * b, 1), t % 2 ? 0.1 : 1 / Math.sqrt(s[0])), s));
  const dense = (h: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor =>
    w.rank === 2 ? tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), b) : tf.add(tf.squeeze(tf.matMul(tf.expandDims(h, 1), w), [1]), b);
  const net = { apply: (p: tf.Tensor[], x: tf.Tensor) => tf.tidy(() => dense(tf.tanh(dense(x, p[0], p[1])), p[2], p[3])), params };
  const x = tf.tensor(new Rng(n + 43).normals32(n * 32), [n, 32]);
  try {
    const [batched, single] = await alternated([() => ntk(net, x, undefined, { outputs: 'trace' }), () => ntk({ ...net, route: 'per-example' }, x, undefined, { outputs: 'trace' })]);
    console.log(`pure MLP 32-64-10 (tanh), k = 10, n = ${n}, trace layout: batched ${batched.seconds.toFixed(3)} s, per-example ${single.seconds.toFixed(3)} s (${(single.seconds / batched.seconds).toFixed(2)}x), max rel diff ${maxRel(single.K.values, batched.K.values).toExponential(1)}`);
  } finally {
    tf.dispose([x, ...params]);
  }
}

/** One conv layer (3x3, 'valid', tanh) on `shape` inputs, then a dense head. */
function convNet(shape: [number, number, number], filters: number, seed: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters, kernelSize: 3, activation: 'tanh', inputShape: shape, name: 'conv', kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 1, name: 'head', kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
}

async function benchRoutes(): Promise<void> {
  const cases: { shape: [number, number, number]; filters: number; n: number }[] = [
    { shape: [12, 12, 8], filters: 16, n: 300 }, // P = 100: gradients
    { shape: [6, 6, 16], filters: 16, n: 400 }, // P = 16: near the boundary
    { shape: [4, 4, 32], filters: 32, n: 600 }, // P = 4
    { shape: [3, 4, 64], filters: 64, n: 600 }, // P = 2: structured
  ];
  console.log('\n3. Convolution routes: conv3x3 (tanh) + dense(1), symmetric NTK, components of every tensor');
  const rows = [['input', 'n', 'P', 'C', 'cout', 'gradients GFLOP', 'structured GFLOP', 'predicted', 'gradients s', 'structured s', 'timed', 'agree']];
  for (const [i, c] of cases.entries()) {
    const model = convNet(c.shape, c.filters, 40 + i);
    const x = tf.tensor(new Rng(50 + i).normals32(c.n * c.shape[0] * c.shape[1] * c.shape[2]), [c.n, ...c.shape]);
    try {
      const conv = ntkCost(model, c.n).layers[0];
      const { gradients, structured } = conv.routes!;
      const opts = (convolutions: NtkOptions['convolutions']): NtkOptions => ({ method: 'jacobian', convolutions });
      const [tg, ts] = await alternated([() => ntk(model, x, undefined, opts('gradients')), () => ntk(model, x, undefined, opts('structured'))]);
      const predicted = conv.route;
      const timed = ts.seconds < tg.seconds ? 'structured' : 'gradients';
      rows.push([
        c.shape.join('x'), String(c.n), String(conv.positions), String(conv.patch), String(conv.channels), g(gradients.flops), g(structured.flops),
        predicted, tg.seconds.toFixed(3), ts.seconds.toFixed(3), timed, predicted === timed ? 'yes' : 'NO',
      ]);
      if (maxRel(ts.K.values, tg.K.values) > 1e-4) throw new Error(`routes disagree on ${c.shape.join('x')}: ${maxRel(ts.K.values, tg.K.values)}`);
    } finally {
      model.dispose();
      x.dispose();
    }
  }
  table(rows);
}

async function main(): Promise<void> {
  const backend = await ensureBackend();
  const info = linalgInfo();
  const parts = new Set(args.parts.split(','));
  const sgemm = sgemmRate(1536);
  console.log(`bench/jacobian: ${os.cpus().length} cores; ntk-lab: tfjs ${backend.name}, ${info.implementation} (${info.blas}, ${info.threads} threads); peers with ${args.threads} threads; best of ${repeat} after a warm-up, sides alternated`);
  console.log(`sgemm in this run (addon, m = n = k = 1536, best of 3): ${(sgemm / 1e9).toFixed(1)} GFLOP/s at the start`);
  if (parts.has('mlp')) await benchMlp(Number(args['n-mlp']));
  if (parts.has('cnn')) await benchCnn(Number(args['n-cnn']), sgemm);
  if (parts.has('resnet')) await benchResnet(Number(args['n-resnet']));
  if (parts.has('attention')) await benchAttention(Number(args['n-attention']));
  if (parts.has('layers')) await benchLayers(Number(args['n-layers']));
  if (parts.has('routes')) await benchRoutes();
  console.log(`sgemm at the end of the run: ${(sgemmRate(1536) / 1e9).toFixed(1)} GFLOP/s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
