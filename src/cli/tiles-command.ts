/**
 * `ntk-lab tiles`: resumable tile jobs (src/tiles, docs/tiles.md).
 *
 *   ntk-lab tiles plan <job> ...          freeze model, inputs, options and the tile grid into a job folder
 *   ntk-lab tiles run <job> --workers P   compute every tile not done, on P local processes (resumable)
 *   ntk-lab tiles run <job> [--index K]   one tile (K from JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID without --index)
 *   ntk-lab tiles status <job>            done / missing / corrupt, throughput, ETA
 *   ntk-lab tiles assemble <job> --out K.npy|K.arrow
 *   ntk-lab tiles manifest <job> --kubernetes|--slurm
 *   ntk-lab tiles stats|spectrum|solve <job>  matrix-free on the stored tiles (tiles-compute-command.ts)
 *   ntk-lab tiles ray <job> [--address A]  every tile not done, one Ray task each (src/tiles/ray-executor.ts)
 */
import { parseSeededMlp, seededInputs, seededMlpOptions, seededNetwork } from './seeded-mlp';
import { TILES_COMPUTE_USAGE, tilesSolve, tilesSpectrum, tilesStats } from './tiles-compute-command';
import { writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBackend } from '../backend';
import { InvalidOptionError } from '../errors';
import type { OutputLayout } from '../ntk/kernel';
import type { NtkMethod } from '../ntk/options';
import { assembleJob } from '../tiles/assemble';
import { kubernetesJob, slurmScript } from '../tiles/cluster';
import { readInputs } from '../tiles/inputs-io';
import { TileJob } from '../tiles/job';
import { runLocal, LocalRunEvent } from '../tiles/local-executor';
import { runRay } from '../tiles/ray-executor';
import { loadModel } from '../tiles/model-io';
import { planTileJob } from '../tiles/plan';
import { jobStatus } from '../tiles/status';
import { exitOnInterrupt, indexFromEnvironment, runTile } from '../tiles/worker';
import { toYaml } from '../tiles/yaml';

export const TILES_USAGE = `usage: ntk-lab tiles plan <job> [--tile 1024] [--layout trace|full|diagonal] [--components] [--method auto|explicit|jacobian]
                          [--dtype float32] (a seeded MLP on Gaussian inputs, as 'ntk-lab ntk':) [--widths 512,512] [--n 1000]
                          [--n2 N] [--input-dim 784] [--outputs 1] [--activation relu] [--parameterization ntk|standard]
                          [--no-bias] [--seed 0] | (your own:) --model <model.json> --x1 <x1.arrow> [--x2 <x2.arrow>]
       ntk-lab tiles run <job> [--index K | --workers P [--threads T] [--retries 1]]
                          (no --index/--workers: K from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)
       ntk-lab tiles status <job> [--quick] [--workers P] [--json]
       ntk-lab tiles assemble <job> --out kernel.npy|kernel.arrow [--kernel ntk]
       ntk-lab tiles manifest <job> --kubernetes [--image I] [--pvc NAME] [--mount-path /jobs] [--sub-path DIR] [--name N]
                          [--namespace NS] [--parallelism P] [--retries 2] [--cpus 1] [--memory 4Gi] [--command "npx ntk-lab"]
                          [--format yaml|json] [--out job.yaml]
       ntk-lab tiles manifest <job> --slurm [--job-path /abs/job] [--parallelism P] [--cpus 1] [--memory 4G] [--time 01:00:00]
                          [--partition P] [--name N] [--command "npx ntk-lab"] [--out tiles.sbatch]
       ntk-lab tiles ray <job> [--address HOST:PORT] [--retries 2] [--cpus-per-task 1] [--threads T] [--quick]
                          [--python PY] [--node PATH] [--cli PATH] [--env NAME=VALUE ...] [--summary run.json]
                          (Python with ray: pip install ray; the job folder on storage every node reads at this path)
${TILES_COMPUTE_USAGE}`;

type Out = (line: string) => void;

function int(name: string, raw: string | undefined, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) throw new InvalidOptionError(`--${name} must be an integer >= ${min}, got '${raw}'`);
  return v;
}

function jobArg(positionals: string[], sub: string): string {
  if (positionals.length !== 1) throw new InvalidOptionError(`tiles ${sub} takes one job folder, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
  return positionals[0];
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : ms < 3_600_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Runs `ntk-lab tiles <sub> ...`; returns the exit code. */
export async function tilesCommand(argv: string[], out: Out = console.log): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'plan':
      return plan(rest, out);
    case 'run':
      return run(rest, out);
    case 'status':
      return status(rest, out);
    case 'assemble':
      return assemble(rest, out);
    case 'manifest':
      return manifest(rest, out);
    case 'stats':
      return tilesStats(rest, out);
    case 'spectrum':
      return tilesSpectrum(rest, out);
    case 'solve':
      return tilesSolve(rest, out);
    case 'ray':
      return ray(rest, out);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(TILES_USAGE);
      return sub === undefined ? 1 : 0;
    default:
      throw new InvalidOptionError(`unknown 'tiles' subcommand '${sub}' (plan, run, status, assemble, manifest, ray, stats, spectrum, solve)`);
  }
}

async function plan(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tile: { type: 'string', default: '1024' },
      layout: { type: 'string', default: 'trace' },
      components: { type: 'boolean', default: false },
      method: { type: 'string', default: 'auto' },
      dtype: { type: 'string', default: 'float32' },
      ...seededMlpOptions('512,512'),
      n2: { type: 'string' },
      model: { type: 'string' },
      x1: { type: 'string' },
      x2: { type: 'string' },
    },
    strict: true,
  });
  const dir = jobArg(positionals, 'plan');
  await ensureBackend();
  const options = {
    tile: int('tile', values.tile),
    outputs: values.layout as OutputLayout,
    components: values.components,
    method: values.method as NtkMethod,
    dtype: values.dtype as 'float32',
  };
  let manifest;
  if (values.model !== undefined || values.x1 !== undefined) {
    if (values.model === undefined || values.x1 === undefined) throw new InvalidOptionError('--model and --x1 go together (a tfjs model.json and an inputs Arrow file)');
    const loaded = await loadModel(dirname(values.model));
    try {
      const asMatrix = async (p: string) => {
        const x = await readInputs(p);
        if (x.shape.length !== 2) throw new InvalidOptionError(`${p}: the command line takes vector inputs [n, d]; plan image inputs from TypeScript`);
        return { rows: x.shape[0], cols: x.shape[1], data: x.data };
      };
      manifest = await planTileJob(dir, loaded.model, await asMatrix(values.x1), values.x2 ? await asMatrix(values.x2) : undefined, options);
    } finally {
      loaded.dispose();
    }
  } else {
    const n = int('n', values.n)!;
    const n2 = int('n2', values.n2);
    const spec = parseSeededMlp(values, (name, raw) => int(name, raw)!);
    const net = seededNetwork(spec);
    try {
      // The inputs of `ntk-lab ntk` with the same seed: x1 from seed + 1, x2 from seed + 2.
      const x1 = seededInputs(spec, n, 1);
      const x2 = n2 === undefined ? undefined : seededInputs(spec, n2, 2);
      manifest = await planTileJob(dir, net, x1, x2, options);
    } finally {
      net.dispose();
    }
  }
  const g = manifest.grid;
  out(`planned ${dir}: ${manifest.kernel.kind} [${manifest.kernel.shape.join(', ')}] (${manifest.kernel.layout}${manifest.kernel.components ? `, ${manifest.kernel.labels.length} components` : ''}, method ${manifest.kernel.method}), ` +
    `${g.tiles} tiles of ${g.tile} examples (${g.rowBlocks} x ${g.colBlocks} blocks${g.half === 'upper' ? ', upper half' : ''}), job ${manifest.id}`);
  out(`run it: ntk-lab tiles run ${dir} --workers P   (or: ntk-lab tiles manifest ${dir} --kubernetes | --slurm)`);
  return 0;
}

async function run(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { index: { type: 'string' }, workers: { type: 'string' }, threads: { type: 'string' }, retries: { type: 'string' } },
    strict: true,
  });
  const dir = jobArg(positionals, 'run');
  if (values.index !== undefined && values.workers !== undefined) throw new InvalidOptionError('--index and --workers exclude each other: one tile here, or all of them on P workers');
  if (values.workers === undefined) {
    exitOnInterrupt();
    const { index, executor } = values.index !== undefined ? { index: int('index', values.index, 0)!, executor: 'index' } : indexFromEnvironment();
    const job = await TileJob.open(dir, { mode: 'run' });
    try {
      const t = job.tile(index);
      const o = await runTile(job, index, { executor, log: out });
      out(o.computed
        ? `tile ${index} (${t.name}): computed in ${seconds(o.record.computeMs)} (${o.reason}), ${o.record.bytes} bytes, sha256 ${o.record.sha256.slice(0, 12)}...`
        : `tile ${index} (${t.name}): already done (sha256 checked)`);
    } finally {
      await job.dispose();
    }
    return 0;
  }
  const workers = int('workers', values.workers)!;
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let computedMs = 0;
  let computed = 0;
  let tiles = 0;
  const event = (e: LocalRunEvent): void => {
    if (e.type === 'start') {
      tiles = e.tiles;
      out(`${dir}: ${e.tiles} tiles on ${e.workers} workers (${e.threads} BLAS threads each)${e.removedTemporaries ? `; removed ${e.removedTemporaries} temporary files of killed workers` : ''}`);
    } else if (e.type === 'done') {
      if (e.computed) {
        computed++;
        computedMs += e.computeMs;
      }
      const left = tiles - e.finished;
      const eta = computed > 0 && left > 0 ? `; ETA ${seconds(((computedMs / computed) * left) / workers)}` : '';
      out(`[${String(e.finished).padStart(String(tiles).length)}/${tiles}] tile ${e.index} (${e.name}): ${e.computed ? `computed in ${seconds(e.computeMs)}${e.reason !== 'missing' ? ` (was ${e.reason})` : ''}` : 'already done'} by worker ${e.worker}${eta}`);
    } else if (e.type === 'failed') out(`tile ${e.index} (${e.name}) failed on worker ${e.worker}: ${e.error.name}: ${e.error.message}`);
    else if (e.type === 'worker-died') out(`worker ${e.worker} (pid ${e.pid}) ${e.how}${e.name ? ` during tile ${e.index} (${e.name})` : ''}${e.requeued ? ': tile requeued on a new worker' : ''}`);
    else if (e.type === 'stopping') out(`stopping (${e.why}): workers remove their temporary files; finished tiles stay`);
  };
  try {
    const s = await runLocal(dir, { workers, threads: int('threads', values.threads), retries: int('retries', values.retries, 0), signal: controller.signal, onEvent: event });
    const tail = `${s.computed} computed, ${s.skipped} already done, ${s.failed.length} failed, ${s.notRun} not run, in ${seconds(s.wallMs)}`;
    if (s.interrupted) {
      out(`interrupted: ${tail}. Run the same command to resume.`);
      return 130;
    }
    if (s.failed.length > 0) {
      for (const f of s.failed) out(`failed: ${f.name}: ${f.error.name}: ${f.error.message}`);
      out(`${tail}. Rerun to retry (finished tiles are kept).`);
      return 1;
    }
    out(`all ${s.tiles} tiles done (${tail}): ntk-lab tiles assemble ${dir} --out kernel.npy`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function status(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { quick: { type: 'boolean', default: false }, workers: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const dir = jobArg(positionals, 'status');
  const job = await TileJob.open(dir, { mode: 'read' });
  const s = await jobStatus(job, { verify: values.quick ? 'size' : 'hash', workers: int('workers', values.workers) });
  if (values.json) {
    out(JSON.stringify(s, null, 2));
    return 0;
  }
  const m = job.manifest;
  out(`${job.dir}: job ${m.id} (ntk-lab ${m.ntkLab}), ${m.kernel.kind} [${m.kernel.shape.join(', ')}] ${m.kernel.layout}, ${m.grid.tiles} tiles of ${m.grid.tile} examples`);
  out(`done ${s.done}, missing ${s.missing}, corrupt ${s.corrupt}${values.quick ? ' (sizes checked; without --quick, checksums too)' : ' (checksums checked)'}`);
  for (const p of s.problems) out(`  ${p.state} tile ${p.index} (${p.name}): ${p.reason}`);
  if (s.temporaries.length) out(`temporary files: ${s.temporaries.map((t) => `${t.file} (pid ${t.pid} on ${t.host})`).join(', ')}`);
  out(`entries done ${s.pairsDone} of ${s.pairsTotal} (${((100 * s.pairsDone) / s.pairsTotal).toFixed(1)}%)`);
  if (s.pairsPerSecondPerWorker !== undefined) {
    out(`throughput: ${s.pairsPerSecondPerWorker.toExponential(2)} entries/s per worker (mean tile ${seconds(s.meanTileMs!)}), ` +
      `${s.pairsPerSecond!.toExponential(2)} entries/s at ${values.workers ? `${values.workers} workers` : `the observed concurrency ${s.concurrency!.toFixed(2)}`}`);
  }
  out(s.etaSeconds === 0 ? 'complete: ntk-lab tiles assemble <job> --out kernel.npy' : `ETA ${s.etaSeconds === undefined ? 'unknown (no tile done yet)' : seconds(s.etaSeconds * 1000)}`);
  return 0;
}

async function assemble(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: 'string' }, kernel: { type: 'string' } }, strict: true });
  const dir = jobArg(positionals, 'assemble');
  if (!values.out) throw new InvalidOptionError('tiles assemble needs --out kernel.npy (float32 matrix) or kernel.arrow (kernel-tiles)');
  const job = await TileJob.open(dir, { mode: 'read' });
  const r = await assembleJob(job, values.out, { kernel: values.kernel });
  out(`wrote ${r.path} (${r.format}, ${r.bytes} bytes: ${r.kernels.join(', ')})${r.sidecar ? ` and ${r.sidecar}` : ''}`);
  return 0;
}

async function manifest(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      kubernetes: { type: 'boolean', default: false },
      slurm: { type: 'boolean', default: false },
      image: { type: 'string' },
      pvc: { type: 'string' },
      'mount-path': { type: 'string' },
      'sub-path': { type: 'string' },
      'job-path': { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string' },
      parallelism: { type: 'string' },
      retries: { type: 'string' },
      cpus: { type: 'string' },
      memory: { type: 'string' },
      time: { type: 'string' },
      partition: { type: 'string' },
      command: { type: 'string' },
      format: { type: 'string', default: 'yaml' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const dir = jobArg(positionals, 'manifest');
  if (values.kubernetes === values.slurm) throw new InvalidOptionError('tiles manifest needs one of --kubernetes or --slurm');
  const job = await TileJob.open(dir, { mode: 'read', verifyInputs: false });
  let text: string;
  if (values.kubernetes) {
    if (values.format !== 'yaml' && values.format !== 'json') throw new InvalidOptionError(`--format must be yaml or json, got '${values.format}'`);
    const obj = kubernetesJob(job, {
      image: values.image,
      pvc: values.pvc,
      mountPath: values['mount-path'],
      subPath: values['sub-path'],
      name: values.name,
      namespace: values.namespace,
      parallelism: int('parallelism', values.parallelism),
      retries: int('retries', values.retries, 0),
      cpus: int('cpus', values.cpus),
      memory: values.memory,
      command: values.command?.split(/\s+/).filter(Boolean),
    });
    text = values.format === 'json' ? JSON.stringify(obj, null, 2) + '\n' : toYaml(obj);
  } else {
    text = slurmScript(job, {
      command: values.command,
      jobPath: values['job-path'],
      parallelism: int('parallelism', values.parallelism),
      cpus: int('cpus', values.cpus),
      memory: values.memory,
      time: values.time,
      partition: values.partition,
      name: values.name,
    });
  }
  if (values.out) {
    writeFileSync(values.out, text, { mode: values.slurm ? 0o755 : 0o644 });
    out(`wrote ${values.out} (${values.kubernetes ? `Indexed Job of ${job.tiles} completions: kubectl apply -f ${values.out}` : `job array 0-${job.tiles - 1}: sbatch ${values.out}`})`);
  } else out(text.trimEnd());
  return 0;
}

async function ray(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      address: { type: 'string' },
      retries: { type: 'string' },
      'cpus-per-task': { type: 'string' },
      threads: { type: 'string' },
      quick: { type: 'boolean', default: false },
      python: { type: 'string' },
      node: { type: 'string' },
      cli: { type: 'string' },
      env: { type: 'string', multiple: true },
      summary: { type: 'string' },
    },
    strict: true,
  });
  const dir = jobArg(positionals, 'ray');
  const env: Record<string, string> = {};
  for (const item of values.env ?? []) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new InvalidOptionError(`--env wants NAME=VALUE, got '${item}'`);
    env[item.slice(0, eq)] = item.slice(eq + 1);
  }
  const cpus = values['cpus-per-task'] === undefined ? undefined : Number(values['cpus-per-task']);
  if (cpus !== undefined && !(cpus > 0)) throw new InvalidOptionError(`--cpus-per-task must be a number > 0, got '${values['cpus-per-task']}'`);
  // A terminal's Ctrl-C reaches the driver too; the driver stops once, whichever SIGINT comes first.
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const r = await runRay(dir, {
      address: values.address,
      retries: int('retries', values.retries, 0),
      cpusPerTask: cpus,
      threads: int('threads', values.threads),
      quick: values.quick,
      python: values.python,
      node: values.node,
      cli: values.cli,
      env,
      summary: values.summary,
      signal: controller.signal,
      onLine: (line, stream) => (stream === 'stdout' ? out(line) : console.error(line)),
    });
    return r.code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
