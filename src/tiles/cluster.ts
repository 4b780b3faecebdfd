/**
 * Job descriptions for cluster schedulers, each running the worker (`ntk-lab tiles run <job>`) once per tile on a
 * job folder that every node sees:
 *
 * - Kubernetes: an Indexed Job (batch/v1): completions = tiles, completionMode Indexed (each pod gets its tile in
 *   JOB_COMPLETION_INDEX), parallelism, backoffLimitPerIndex retries (restartPolicy Never, as that needs), a pod
 *   failure policy that does not retry exit code 2 (bad input: changed files, another version), the job folder
 *   on a PersistentVolumeClaim.
 * - Slurm: a job-array script (#SBATCH --array=0-(T-1), the tile in SLURM_ARRAY_TASK_ID).
 *
 * Resubmitting either after failures is safe: finished tiles are verified and skipped.
 */
import { isAbsolute, posix } from 'node:path';
import { InvalidOptionError } from '../errors';
import { VERSION } from '../version';
import type { TileJob } from './job';

/** Options of kubernetesJob. */
export interface KubernetesJobOptions {
  /** Container image with Node 20+ and ntk-lab installed (default `ntk-lab:<version>`). */
  image?: string;
  /** PersistentVolumeClaim holding the job folder (default 'ntk-lab-jobs'). */
  pvc?: string;
  /** Where the claim is mounted in the container (default '/jobs'). */
  mountPath?: string;
  /** The job folder's path inside the claim (default: the folder's name, at the claim's root). */
  subPath?: string;
  /** Pods at once (default min(tiles, 8)). */
  parallelism?: number;
  /** Retries per tile: backoffLimitPerIndex (default 2). */
  retries?: number;
  /** CPU request and limit per pod, whole cores: also the BLAS thread count (default 1). */
  cpus?: number;
  /** Memory request and limit per pod, a Kubernetes quantity ('4Gi'); none when omitted. */
  memory?: string;
  /** The command that runs ntk-lab in the image (default ['npx', 'ntk-lab']). */
  command?: string[];
  /** Job name (default 'ntk-lab-tiles-' + the job id's first 8 characters). */
  name?: string;
  namespace?: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function positive(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isSafeInteger(x) || x < 1) throw new InvalidOptionError(`${name} must be a positive integer, got ${v}`);
  return x;
}

/** The batch/v1 Indexed Job that runs every tile of `job` (an object: serialise with toYaml or JSON.stringify). */
export function kubernetesJob(job: TileJob, options: KubernetesJobOptions = {}): Record<string, unknown> {
  const tiles = job.tiles;
  // Kubernetes refuses Indexed Jobs above 10^5 completions (with backoffLimitPerIndex) and names over 63 characters.
  if (tiles > 100_000) throw new InvalidOptionError(`${tiles} tiles: an Indexed Job holds at most 100000 completions; plan larger tiles`);
  const name = options.name ?? `ntk-lab-tiles-${job.id.slice(0, 8).toLowerCase()}`;
  if (name.length > 63 || !DNS_LABEL.test(name)) throw new InvalidOptionError(`job name '${name}' must be a DNS label (lower-case letters, digits, '-'; at most 63)`);
  const retries = options.retries ?? 2;
  if (!Number.isSafeInteger(retries) || retries < 0) throw new InvalidOptionError(`retries must be a non-negative integer, got ${options.retries}`);
  const parallelism = Math.min(positive('parallelism', options.parallelism, Math.min(tiles, 8)), tiles);
  const cpus = positive('cpus', options.cpus, 1);
  const mountPath = options.mountPath ?? '/jobs';
  if (!posix.isAbsolute(mountPath)) throw new InvalidOptionError(`mountPath must be an absolute path, got '${mountPath}'`);
  const subPath = options.subPath ?? posix.basename(job.dir);
  const jobPath = posix.join(mountPath, subPath);
  const command = options.command ?? ['npx', 'ntk-lab'];
  if (command.length === 0) throw new InvalidOptionError('command must name the program that runs ntk-lab');
  const resources: Record<string, string> = { cpu: String(cpus), ...(options.memory && { memory: options.memory }) };
  const labels = { 'app.kubernetes.io/name': 'ntk-lab', 'app.kubernetes.io/component': 'tile-worker', 'ntk-lab/job': job.id.toLowerCase() };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, ...(options.namespace && { namespace: options.namespace }), labels },
    spec: {
      completionMode: 'Indexed',
      completions: tiles,
      parallelism,
      backoffLimitPerIndex: retries,
      // Exit code 2 is bad input (changed inputs, another ntk-lab version, an index out of range): retrying cannot help.
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { containerName: 'worker', operator: 'In', values: [2] } }] },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'worker',
              image: options.image ?? `ntk-lab:${VERSION}`,
              command: [...command, 'tiles', 'run', jobPath],
              env: [
                { name: 'OPENBLAS_NUM_THREADS', value: String(cpus) },
                { name: 'OMP_NUM_THREADS', value: String(cpus) },
              ],
              resources: { requests: resources, limits: resources },
              volumeMounts: [{ name: 'job', mountPath }],
            },
          ],
          volumes: [{ name: 'job', persistentVolumeClaim: { claimName: options.pvc ?? 'ntk-lab-jobs' } }],
        },
      },
    },
  };
}

/** Options of slurmScript. */
export interface SlurmScriptOptions {
  /** How the compute nodes run ntk-lab (default 'npx ntk-lab'), a shell command prefix. */
  command?: string;
  /** The job folder's path on the compute nodes (default: its absolute path here). */
  jobPath?: string;
  /** Array tasks at once (the %throttle; none by default). */
  parallelism?: number;
  /** --cpus-per-task, also the BLAS thread count (default 1). */
  cpus?: number;
  /** --mem ('4G'), --time ('01:00:00'), --partition: omitted unless given. */
  memory?: string;
  time?: string;
  partition?: string;
  /** --job-name (default 'ntk-lab-tiles-' + the job id's first 8 characters). */
  name?: string;
}

/** sh single quotes: the one quoting in which nothing is special. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A Slurm job-array script (sbatch) running every tile of `job`. */
export function slurmScript(job: TileJob, options: SlurmScriptOptions = {}): string {
  const tiles = job.tiles;
  const jobPath = options.jobPath ?? job.dir;
  if (!isAbsolute(jobPath)) throw new InvalidOptionError(`jobPath must be absolute (array tasks start in other folders), got '${jobPath}'`);
  if (/\s/.test(jobPath)) throw new InvalidOptionError(`jobPath '${jobPath}' has white space, which #SBATCH --output cannot take`);
  const cpus = positive('cpus', options.cpus, 1);
  const throttle = options.parallelism === undefined ? '' : `%${positive('parallelism', options.parallelism, 1)}`;
  const name = options.name ?? `ntk-lab-tiles-${job.id.slice(0, 8)}`;
  for (const [k, v] of Object.entries({ name, memory: options.memory, time: options.time, partition: options.partition })) {
    if (v !== undefined && !/^[A-Za-z0-9_.:,+-]+$/.test(v)) throw new InvalidOptionError(`${k} '${v}' has characters #SBATCH lines do not take`);
  }
  const m = job.manifest;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --array=0-${tiles - 1}${throttle}`,
    `#SBATCH --cpus-per-task=${cpus}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --output=${posix.join(jobPath, 'logs', 'slurm-%A_%a.out')}`,
    ...(options.memory ? [`#SBATCH --mem=${options.memory}`] : []),
    ...(options.time ? [`#SBATCH --time=${options.time}`] : []),
    ...(options.partition ? [`#SBATCH --partition=${options.partition}`] : []),
    `# ntk-lab ${VERSION} tile job ${m.id}: ${m.kernel.kind} ${m.kernel.shape.join(' x ')} (${m.kernel.layout}), ${tiles} tiles of ${m.grid.tile} examples.`,
    '# Submit with `sbatch <this file>`; each array task computes tile $SLURM_ARRAY_TASK_ID. Resubmitting recomputes',
    '# only tiles that are missing or fail their checksum. `ntk-lab tiles status <job>` tells how far it is.',
    ...(tiles > 1001 ? [`# Note: ${tiles} array tasks; Slurm's default MaxArraySize is 1001 (ask for a larger one, or plan larger tiles).`] : []),
    'set -euo pipefail',
    `mkdir -p ${shellQuote(posix.join(jobPath, 'logs'))}`,
    'export OPENBLAS_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    'export OMP_NUM_THREADS="${SLURM_CPUS_PER_TASK:-1}"',
    `exec ${options.command ?? 'npx ntk-lab'} tiles run ${shellQuote(jobPath)}`,
  ];
  return lines.join('\n') + '\n';
}
