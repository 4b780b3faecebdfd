/**
 * bench/installed: ntk-lab as a user gets it from `npm install` (the tarball's prebuilt addon, OpenBLAS linked
 * statically) beside this clone (its source build against the system's OpenBLAS, or whatever linalgInfo()
 * reports), on the same work: the explicit NTK of the MLP 784-512-512-512-1 (relu, NTK parameterisation,
 * biases, seed 0) on the same seeded inputs. The two sides run in separate child processes, alternated over
 * several rounds with a pause between them (OpenBLAS's idle threads spin for a while after a call and would
 * slow whichever side ran next), best of `repeat` per round; the ratio is installed / clone.
 *
 *   npm run build && node build/bench/installed.js [--project DIR] [--n 1000,2000] [--repeat 7] [--rounds 3]
 *
 * Without --project it packs this clone as built (`npm pack --ignore-scripts`: run `npm run build` and
 * `npm run prebuild:native` first) and installs the tarball into a temporary project with plain `npm install`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(__dirname, '../..');
const { values: args } = parseArgs({
  options: {
    project: { type: 'string' },
    n: { type: 'string', default: '1000,2000' },
    repeat: { type: 'string', default: '7' },
    rounds: { type: 'string', default: '3' },
  },
});

interface SideResult {
  linalg: { implementation: string; blas: string; addon?: { origin: string; openblas: string } };
  seconds: Record<string, number>;
  checksum: Record<string, number>;
}

/** The timing child: requires ntk-lab from `entry` and times ntk() at each n. */
function childScript(entry: string, ns: number[], repeat: number): string {
  return `
    const { mlp, ntk, ensureBackend, linalgInfo, Rng } = require(${JSON.stringify(entry)});
    (async () => {
      await ensureBackend();
      const net = mlp({ inputDim: 784, widths: [512, 512, 512], outputDim: 1, activation: 'relu', seed: 0 });
      const seconds = {}, checksum = {};
      for (const n of ${JSON.stringify(ns)}) {
        const data = new Float32Array(n * 784);
        const rng = new Rng(1);
        for (let i = 0; i < data.length; i++) data[i] = rng.normal();
        const x = { rows: n, cols: 784, data };
        let K = await ntk(net, x); // warm-up
        let best = Infinity;
        for (let r = 0; r < ${repeat}; r++) {
          const t0 = process.hrtime.bigint();
          K = await ntk(net, x);
          best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
        }
        let s = 0;
        for (let i = 0; i < K.values.length; i += 97) s += K.values[i];
        seconds[n] = best; checksum[n] = s;
      }
      net.dispose?.();
      console.log(JSON.stringify({ linalg: linalgInfo(), seconds, checksum }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
}

function run(entry: string, cwd: string, ns: number[], repeat: number): SideResult {
  const r = spawnSync(process.execPath, ['-e', childScript(entry, ns, repeat)], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child for ${entry} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as SideResult;
}

/** An installed project: the given one, or a fresh one made from `npm pack` of this clone. */
function installedProject(): string {
  if (args.project) return path.resolve(args.project);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ntk-lab-installed-'));
  console.log(`packing ${root} and installing into ${dir} ...`);
  // --ignore-scripts: pack what this tree has built (build/src, prebuilds/, widgets/labextension) without
  // rebuilding it in place, which would rewrite files that other processes of this tree may be using.
  for (const need of ['build/src/index.js', `prebuilds/${process.platform}-${process.arch}/ntk_linalg.node`]) {
    if (!fs.existsSync(path.join(root, need))) throw new Error(`${need} missing: npm run build && npm run prebuild:native first`);
  }
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tgz = path.join(dir, (JSON.parse(packed) as { filename: string }[])[0].filename);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench-user', private: true }) + '\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', tgz], { cwd: dir, stdio: 'inherit' });
  return dir;
}

function main(): void {
  const ns = args.n.split(',').map(Number);
  const repeat = Number(args.repeat);
  const rounds = Number(args.rounds);
  const project = installedProject();
  const sides = {
    clone: { entry: path.join(root, 'build', 'src', 'index.js'), cwd: root },
    // Resolved as a path: a bare 'ntk-lab' from inside this clone would self-reference the clone (package exports).
    installed: { entry: require.resolve(path.join(project, 'node_modules', 'ntk-lab')), cwd: project },
  };
  const best: Record<string, Record<string, number>> = { clone: {}, installed: {} };
  const last: Record<string, SideResult> = {};
  for (let round = 0; round < rounds; round++) {
    // Alternate which side goes first so neither always runs right after the other.
    const order = round % 2 === 0 ? (['clone', 'installed'] as const) : (['installed', 'clone'] as const);
    for (const side of order) {
      const r = run(sides[side].entry, sides[side].cwd, ns, repeat);
      last[side] = r;
      for (const n of ns) best[side][n] = Math.min(best[side][n] ?? Infinity, r.seconds[n]);
      spawnSync('sleep', ['0.3']);
    }
  }
  console.log(`bench/installed: explicit NTK, MLP 784-512-512-512-1, best of ${repeat} x ${rounds} rounds, ${os.cpus().length} cores`);
  for (const side of ['clone', 'installed'] as const) {
    const l = last[side].linalg;
    console.log(`  ${side.padEnd(9)} ${sides[side].entry}\n            linalg ${l.implementation}, addon ${l.addon ? `${l.addon.origin} (OpenBLAS ${l.addon.openblas})` : 'none'}, ${l.blas}`);
  }
  console.log('      n   clone s   installed s   installed/clone   same kernel');
  for (const n of ns) {
    const c = best.clone[n], i = best.installed[n];
    const same = last.clone.checksum[n] === last.installed.checksum[n] ? 'yes (bit-equal sample)' : `checksums ${last.clone.checksum[n]} vs ${last.installed.checksum[n]}`;
    console.log(`  ${String(n).padStart(5)}   ${c.toFixed(4).padStart(7)}   ${i.toFixed(4).padStart(11)}   ${(i / c).toFixed(3).padStart(15)}   ${same}`);
  }
}

main();
