/**
 * Issue 17's acceptance, cluster executors, without a cluster: the Kubernetes Indexed Job that `tiles manifest
 * --kubernetes` writes parses (PyYAML) to the object meant and is valid against a batch/v1 Job schema of the fields
 * it emits (jsonschema; batch-v1-job.schema.json, which refuses the mistakes it should); the Slurm script is valid
 * bash with the array 0..T-1. Then the worker runs once per index exactly as each scheduler would start it (the
 * container's command with JOB_COMPLETION_INDEX, the script with SLURM_ARRAY_TASK_ID), and each assembled kernel
 * (n = 3000, 10 tiles) equals the direct ntk() to 1e-6.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kernel } from '../../src/ntk/kernel';
import { kubernetesJob } from '../../src/tiles/cluster';
import { TileIndexError } from '../../src/tiles/errors';
import { TileJob } from '../../src/tiles/job';
import { readKernelBlock } from '../../src/tiles/npy';
import { indexFromEnvironment } from '../../src/tiles/worker';
import { projectPython } from '../helpers/venv';
import { BIN, REPO, relativeError, runCli, tempDir, ACCEPTANCE_PLAN, acceptanceKernel } from './helpers';

const PLAN = ACCEPTANCE_PLAN;
const COMMAND = `${process.execPath} ${BIN}`;
let direct: Kernel;

before(async () => {
  direct = await acceptanceKernel();
});

interface Ran {
  code: number | null;
  output: string;
}

/** Runs argv with env, to its end. */
function exec(argv: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Runs `tasks` two at a time (the machine's cores), in index order of results. */
async function pool<T>(tasks: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]();
    }
  }));
  return out;
}

async function planned(dir: string, name: string): Promise<string> {
  const job = path.join(dir, name);
  const p = await runCli(['tiles', 'plan', job, ...PLAN]);
  assert.equal(p.code, 0, p.output);
  return job;
}

async function assembledMatchesNtk(job: string, out: string): Promise<void> {
  const st = await runCli(['tiles', 'status', job]);
  assert.match(st.output, /done 10, missing 0, corrupt 0/);
  const a = await runCli(['tiles', 'assemble', job, '--out', out]);
  assert.equal(a.code, 0, a.output);
  const K = await readKernelBlock(out, [0, 3000], [0, 3000]);
  assert.ok(relativeError(K.values, direct.values) <= 1e-6, `assembled vs ntk(): ${relativeError(K.values, direct.values)}`);
}

/** PyYAML parses each document, jsonschema validates it against the focused batch/v1 Job schema. */
function validate(documents: string[]): { doc: unknown; errors: string[] }[] {
  const request = JSON.stringify({ schema: path.join(REPO, 'test/tiles/batch-v1-job.schema.json'), documents });
  const out = execFileSync(projectPython('pyyaml and jsonschema'), [path.join(REPO, 'test/tiles/python/validate_k8s.py')], { input: request, encoding: 'utf8' });
  return JSON.parse(out);
}

test('Kubernetes: the Indexed Job parses to the object meant, is valid batch/v1, and the schema refuses broken ones', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-k8s-');
  try {
    const job = await planned(dir, 'k3000');
    const opts = ['--mount-path', dir, '--pvc', 'shared-jobs', '--parallelism', '4', '--retries', '3', '--cpus', '2', '--memory', '2Gi', '--image', 'registry.example/ntk-lab:0.1.0'];
    const yamlPath = path.join(dir, 'job.yaml');
    const w = await runCli(['tiles', 'manifest', job, '--kubernetes', ...opts, '--out', yamlPath]);
    assert.equal(w.code, 0, w.output);
    assert.match(w.output, /Indexed Job of 10 completions: kubectl apply -f/);
    const json = await runCli(['tiles', 'manifest', job, '--kubernetes', ...opts, '--format', 'json']);
    const yaml = fs.readFileSync(yamlPath, 'utf8');
    const expected = kubernetesJob(await TileJob.open(job), { mountPath: dir, pvc: 'shared-jobs', parallelism: 4, retries: 3, cpus: 2, memory: '2Gi', image: 'registry.example/ntk-lab:0.1.0' });
    assert.deepEqual(JSON.parse(json.output), expected, 'the json format is the same object');

    const broken = (f: (m: any) => void): string => {
      const m = structuredClone(expected) as any;
      f(m);
      return JSON.stringify(m); // JSON is YAML
    };
    const results = validate([
      yaml,
      broken((m) => delete m.spec.completions),
      broken((m) => (m.spec.completions = '10')),
      broken((m) => (m.spec.template.spec.restartPolicy = 'OnFailure')),
      broken((m) => ((m.spec.backoffLimitPerindex = m.spec.backoffLimitPerIndex), delete m.spec.backoffLimitPerIndex)),
      broken((m) => (m.spec.completionMode = 'NonIndexed')),
      broken((m) => (m.spec.parallelism = 200000)),
      broken((m) => (m.spec.template.spec.containers[0].resources.limits.memory = '2 GB')),
      broken((m) => (m.metadata.name = 'NTK_Lab')),
      broken((m) => (m.spec.podFailurePolicy.rules[0].onExitCodes.values = [0])),
    ]);
    assert.deepEqual(results[0].errors, []);
    assert.deepEqual(results[0].doc, expected, 'PyYAML reads back exactly the object');
    results.slice(1).forEach((r, i) => assert.ok(r.errors.length > 0, `broken manifest ${i + 1} must be refused`));
    assert.match(results[1].errors.join('\n'), /'completions' is a required property/);
    assert.match(results[4].errors.join('\n'), /Additional properties are not allowed \('backoffLimitPerindex'/);

    const spec = (expected as any).spec;
    assert.deepEqual([spec.completionMode, spec.completions, spec.parallelism, spec.backoffLimitPerIndex], ['Indexed', 10, 4, 3]);
    const pod = spec.template.spec;
    assert.deepEqual(pod.containers[0].volumeMounts.map((v: { name: string }) => v.name), pod.volumes.map((v: { name: string }) => v.name));
    assert.equal(pod.volumes[0].persistentVolumeClaim.claimName, 'shared-jobs');
    assert.deepEqual(pod.containers[0].command.slice(-3), ['tiles', 'run', path.join(dir, 'k3000')]);
  } finally {
    cleanup();
  }
});

test('Kubernetes and Slurm: the worker started as each scheduler starts it computes tile K for every K; both kernels equal ntk()', async () => {
  const { dir, cleanup } = tempDir('ntk-tiles-sched-');
  try {
    // Kubernetes: the claim is mounted at `dir`, so the container's command and environment work here as they are.
    const k8sJob = await planned(dir, 'k8s');
    const manifest = kubernetesJob(await TileJob.open(k8sJob), { mountPath: dir, command: COMMAND.split(' ') }) as any;
    const container = manifest.spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value]));
    const k8sRuns = await pool(
      Array.from({ length: manifest.spec.completions as number }, (_, k) => () => exec(container.command, { ...env, JOB_COMPLETION_INDEX: String(k), SLURM_ARRAY_TASK_ID: '' })),
    );
    k8sRuns.forEach((r, k) => {
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, new RegExp(`^tile ${k} \\(\\d-\\d\\): computed in .* \\(missing\\)`, 'm'));
    });
    const again = await exec(container.command, { ...env, JOB_COMPLETION_INDEX: '4' });
    assert.match(again.output, /tile 4 \(1-1\): already done \(sha256 checked\)/, 'a retried pod is a no-op');
    const rec = JSON.parse(fs.readFileSync(path.join(k8sJob, 'tiles', '1-1.json'), 'utf8'));
    assert.deepEqual([rec.executor, rec.blasThreads], ['kubernetes', 1]);
    await assembledMatchesNtk(k8sJob, path.join(dir, 'k8s.npy'));

    // Slurm: the script itself, run as an array task.
    const slurmJob = await planned(dir, 'slurm');
    const script = path.join(dir, 'tiles.sbatch');
    const w = await runCli(['tiles', 'manifest', slurmJob, '--slurm', '--command', COMMAND, '--parallelism', '3', '--cpus', '2', '--time', '00:30:00', '--out', script]);
    assert.equal(w.code, 0, w.output);
    assert.match(w.output, /job array 0-9: sbatch/);
    const text = fs.readFileSync(script, 'utf8');
    execFileSync('bash', ['-n', script]);
    const sbatch = text.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice(8));
    assert.deepEqual(sbatch, ['--job-name=' + /--job-name=(\S+)/.exec(text)![1], '--array=0-9%3', '--cpus-per-task=2', '--ntasks=1', `--output=${slurmJob}/logs/slurm-%A_%a.out`, '--time=00:30:00']);
    assert.ok(fs.statSync(path.join(slurmJob, 'logs')).isDirectory(), 'the log folder exists before Slurm opens its files');
    const slurmRuns = await pool(Array.from({ length: 10 }, (_, k) => () => exec(['bash', script], { SLURM_ARRAY_TASK_ID: String(k), SLURM_CPUS_PER_TASK: '1', JOB_COMPLETION_INDEX: '' })));
    slurmRuns.forEach((r, k) => {
      assert.equal(r.code, 0, r.output);
      assert.match(r.output, new RegExp(`^tile ${k} \\(\\d-\\d\\): computed`, 'm'));
    });
    assert.equal(JSON.parse(fs.readFileSync(path.join(slurmJob, 'tiles', '2-3.json'), 'utf8')).executor, 'slurm');
    await assembledMatchesNtk(slurmJob, path.join(dir, 'slurm.npy'));

    // An index the job does not have is exit code 2 (the pod failure policy's FailIndex: no retry) and says why.
    const out = await exec(['bash', script], { SLURM_ARRAY_TASK_ID: '10' });
    assert.equal(out.code, 2);
    assert.match(out.output, /TileIndexError: tile index 10 is outside 0\.\.9 \(the job has 10 tiles\)/);
  } finally {
    cleanup();
  }
});

test('the worker index: JOB_COMPLETION_INDEX, else SLURM_ARRAY_TASK_ID; disagreeing, malformed or absent ones are named', () => {
  assert.deepEqual(indexFromEnvironment({ JOB_COMPLETION_INDEX: '7' }), { index: 7, executor: 'kubernetes' });
  assert.deepEqual(indexFromEnvironment({ SLURM_ARRAY_TASK_ID: '3' }), { index: 3, executor: 'slurm' });
  assert.deepEqual(indexFromEnvironment({ JOB_COMPLETION_INDEX: '2', SLURM_ARRAY_TASK_ID: '2' }), { index: 2, executor: 'kubernetes' });
  assert.throws(() => indexFromEnvironment({ JOB_COMPLETION_INDEX: '1', SLURM_ARRAY_TASK_ID: '2' }), /disagree/);
  assert.throws(() => indexFromEnvironment({ SLURM_ARRAY_TASK_ID: '-1' }), (e: Error) => e instanceof TileIndexError && /non-negative integer, got '-1'/.test(e.message));
  assert.throws(() => indexFromEnvironment({}), /no tile index: pass --index K/);
});
