/**
 * bench/ntk: the explicit NTK of the MLP 784-512-512-512-1 (relu, NTK parameterisation, biases) for
 * n in {500, 1000, 2000}, beside the peers a user would pick instead (numpy and torch explicit, run by
 * bench/peers/ntk_peers.py from the project's .venv in the same invocation, same weights and inputs, same
 * OpenBLAS environment), with times, FLOPs, GFLOP/s, ratios and the kernels' agreement.
 *
 *   npm run build && node build/bench/ntk.js [--n 500,1000,2000] [--repeat 5] [--threads 2] [--peers numpy,torch]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBackend } from '../src/backend';
import { linalgInfo } from '../src/linalg';
import { mlp } from '../src/models';
import { ntk } from '../src/ntk';
import { Rng } from '../src/random';

const root = path.resolve(__dirname, '../..');
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '500,1000,2000' },
    repeat: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    peers: { type: 'string', default: 'numpy,torch' },
  },
});

/** FLOPs the explicit method executes (2 per multiply-add; SYRK counted as n^2 d, half a GEMM). */
function explicitFlops(n: number, dims: number[]): number {
  let f = 0;
  for (let l = 1; l < dims.length; l++) {
    f += 2 * n * dims[l - 1] * dims[l]; // forward
    if (l > 1) f += 2 * n * dims[l] * dims[l - 1]; // backward delta_{l-1} = delta_l W_l^T
    f += n * n * dims[l - 1] + n * n * dims[l]; // SYRK of h_{l-1} and of delta_l
  }
  return f;
}

interface PeerResult {
  impl: string;
  seconds: number;
  flops: number;
  flops_dense?: number;
  runs?: number[];
}

async function main(): Promise<void> {
  const threads = Number(args.threads);
  const repeat = Number(args.repeat);
  await ensureBackend();
  const dims = [784, 512, 512, 512, 1];
  const info = linalgInfo();
  console.log(`bench/ntk: explicit NTK, MLP ${dims.join('-')}, relu, NTK parameterisation, biases; ${os.cpus().length} cores`);
  console.log(`ntk-lab linalg: ${info.implementation} (${info.blas}, ${info.threads} threads); peers with ${threads} threads; best of ${repeat}`);
  console.log(`OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'} OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? '(unset)'} (same for both sides)`);
  const python = path.join(root, '.venv/bin/python');
  if (!fs.existsSync(python)) throw new Error(`${python} missing: run 'bash scripts/python-venv.sh --bench' first`);
  const rows: string[][] = [['n', 'impl', 'seconds', 'GFLOP', 'GFLOP/s', 'vs ntk-lab', 'max rel diff']];
  for (const n of args.n.split(',').map(Number)) {
    const net = mlp({ inputDim: 784, widths: [512, 512, 512], outputDim: 1, activation: 'relu', parameterization: 'ntk', bias: true, weightStd: 1, biasStd: 1, seed: n });
    const x = { rows: n, cols: 784, data: new Rng(n + 7).normals32(n * 784) };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-bench-'));
    try {
      fs.writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ inputDim: 784, widths: [512, 512, 512], outputDim: 1, activation: 'relu', parameterization: 'ntk', bias: true, weightStd: 1, biasStd: 1, n }));
      fs.writeFileSync(path.join(dir, 'x.f32'), x.data);
      net.getWeights().forEach((w, l) => {
        fs.writeFileSync(path.join(dir, `W${l + 1}.f32`), w.W);
        if (w.b) fs.writeFileSync(path.join(dir, `b${l + 1}.f32`), w.b);
      });
      const times: number[] = [];
      let K = await ntk(net, x);
      for (let r = 0; r < repeat; r++) {
        const t0 = performance.now();
        K = await ntk(net, x);
        times.push((performance.now() - t0) / 1000);
      }
      const ours = Math.min(...times);
      const flops = explicitFlops(n, dims);
      rows.push([String(n), 'ntk-lab', ours.toFixed(4), (flops / 1e9).toFixed(2), (flops / 1e9 / ours).toFixed(1), '1.00', '-']);
      const out = execFileSync(python, [path.join(root, 'bench/peers/ntk_peers.py'), '--dir', dir, '--impl', args.peers, '--threads', String(threads), '--repeat', String(repeat)], { encoding: 'utf8', env: process.env });
      for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
        const peer = JSON.parse(line) as PeerResult;
        const theirs = new Float32Array(fs.readFileSync(path.join(dir, `kernel_${peer.impl}.f32`)).buffer.slice(0));
        let maxRel = 0;
        let scale = 0;
        for (let i = 0; i < theirs.length; i++) scale = Math.max(scale, Math.abs(theirs[i]));
        for (let i = 0; i < theirs.length; i++) maxRel = Math.max(maxRel, Math.abs(K.values[i] - theirs[i]) / scale);
        rows.push([String(n), peer.impl, peer.seconds.toFixed(4), (peer.flops / 1e9).toFixed(2), (peer.flops / 1e9 / peer.seconds).toFixed(1), (peer.seconds / ours).toFixed(2) + 'x', maxRel.toExponential(1)]);
      }
    } finally {
      net.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((v, c) => v.padStart(widths[c] + 2)).join(''));
  console.log("'vs ntk-lab' = peer seconds / ntk-lab seconds (> 1: ntk-lab faster); max rel diff = max |K - K_peer| / max |K_peer|");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
