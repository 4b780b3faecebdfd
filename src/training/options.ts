/**
 * The options of train(), their defaults, and their validation (before anything is allocated): each bad value
 * is an InvalidOptionError or ShapeError naming the option and what it got.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '../errors';
import type { InputBatch } from '../ntk/input';
import type { NtkMethod } from '../ntk/options';
import type { TrainingSnapshot } from './snapshot';

/** Built-in optimizers (tfjs' own): plain SGD, heavy-ball momentum, Adam. */
export type OptimizerName = 'sgd' | 'momentum' | 'adam';

/** Losses. 'mse': mean over examples and outputs of (f - y)^2; 'softmax-cross-entropy': mean over examples of -sum_a y_a log softmax(f)_a. */
export type TrainingLoss = 'mse' | 'softmax-cross-entropy';

/** When and on what the kernel is measured. Snapshots are always taken at step 0 (initialisation) and after the last step. */
export interface SnapshotOptions {
  /** A snapshot every `every` optimizer steps (default: none besides the first, the last and the listed ones). */
  every?: number;
  /** Snapshots after these step counts (0..total steps). */
  atSteps?: readonly number[];
  /** Snapshots at the end of these epochs (0..epochs). */
  atEpochs?: readonly number[];
  /** The fixed probe set the kernel is computed on: [m, ...input shape] (m x m kernels). */
  probe: InputBatch;
  /** Targets of the probe, m x k: without them, the probe's loss and the alignments are not measured. */
  probeTargets?: InputBatch;
  /** Top eigenvalues (and their eigenvectors' alignment with the targets) per snapshot (default 5; 0: none). */
  topK?: number;
  /** Per-parameter-tensor components (trace shares, relative change) by ntkLayerwise (default true). */
  layers?: boolean;
  /** How the NTK is computed (default 'auto': explicit for ntk-lab MLPs, the autodiff Jacobian for other models). */
  method?: NtkMethod;
}

/** Options of train(). */
export interface TrainOptions {
  /** 'sgd' (default), 'momentum', 'adam', or a tf.Optimizer of yours (not disposed; its learning rate is its own). */
  optimizer?: OptimizerName | tf.Optimizer;
  /** Step size of the built-in optimizers (default 0.1). */
  learningRate?: number;
  /** Momentum coefficient of 'momentum' (default 0.9). */
  momentum?: number;
  /** Adam's beta1, beta2, epsilon (defaults 0.9, 0.999 and tfjs' backend epsilon, 1e-7 in float32). */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Passes over the training set (default 1). */
  epochs?: number;
  /** Examples per step (default: all, full-batch gradient descent); the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Default 'mse'. */
  loss?: TrainingLoss;
  /** Shuffle the examples each epoch (default true, seeded by `seed`). */
  shuffle?: boolean;
  /** Seed of the shuffling (default 0). The model's initialisation is the caller's. */
  seed?: number;
  snapshots: SnapshotOptions;
  /** Stops training between steps with a CancelledError (the stream ends incomplete). */
  signal?: AbortSignal;
  /** Called with each snapshot before its batch is streamed (awaited). */
  onSnapshot?: (snapshot: TrainingSnapshot) => void | Promise<void>;
  /** Memory budget in bytes of the kept kernels (K_0 and its components, K_{t-1}, K_t) and of each NTK (default: the NTK's). */
  maxBytes?: number;
}

/** The options with defaults applied (validated). */
export interface ResolvedOptions {
  optimizer: OptimizerName | tf.Optimizer;
  learningRate: number;
  momentum: number;
  beta1: number;
  beta2: number;
  epsilon: number | undefined;
  epochs: number;
  batchSize: number;
  loss: TrainingLoss;
  shuffle: boolean;
  seed: number;
  every: number;
  atSteps: readonly number[];
  atEpochs: readonly number[];
  topK: number;
  layers: boolean;
  method: NtkMethod;
}

function positiveInteger(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InvalidOptionError(`train: ${name} must be a positive integer, got ${String(v)}`);
  return v;
}

function inUnitRange(v: unknown, name: string, closedLow: boolean): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && v < 1 && (closedLow ? v >= 0 : v > 0);
  if (!ok) throw new InvalidOptionError(`train: ${name} must be in ${closedLow ? '[0' : '(0'}, 1), got ${String(v)}`);
  return v as number;
}

/** Validates `o` for a training set of `n` examples and applies the defaults. */
export function resolveOptions(o: TrainOptions, n: number, isOptimizer: (v: unknown) => boolean): ResolvedOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidOptionError('train: options are required (at least { snapshots: { probe } })');
  const optimizer = o.optimizer ?? 'sgd';
  if (typeof optimizer === 'string' ? !['sgd', 'momentum', 'adam'].includes(optimizer) : !isOptimizer(optimizer)) {
    throw new InvalidOptionError(`train: optimizer must be 'sgd' | 'momentum' | 'adam' or a tf.Optimizer, got ${String(optimizer)}`);
  }
  const learningRate = o.learningRate ?? 0.1;
  if (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate <= 0) {
    throw new InvalidOptionError(`train: learningRate must be a positive finite number, got ${String(learningRate)}`);
  }
  const momentum = inUnitRange(o.momentum ?? 0.9, 'momentum', true);
  const beta1 = inUnitRange(o.beta1 ?? 0.9, 'beta1', true);
  const beta2 = inUnitRange(o.beta2 ?? 0.999, 'beta2', true);
  if (o.epsilon !== undefined && !(typeof o.epsilon === 'number' && Number.isFinite(o.epsilon) && o.epsilon > 0)) {
    throw new InvalidOptionError(`train: epsilon must be a positive finite number, got ${String(o.epsilon)}`);
  }
  const epochs = positiveInteger(o.epochs ?? 1, 'epochs');
  const batchSize = Math.min(n, positiveInteger(o.batchSize ?? n, 'batchSize'));
  const loss = o.loss ?? 'mse';
  if (loss !== 'mse' && loss !== 'softmax-cross-entropy') throw new InvalidOptionError(`train: loss must be 'mse' | 'softmax-cross-entropy', got ${String(loss)}`);
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new InvalidOptionError(`train: seed must be a safe integer, got ${String(seed)}`);
  const s = o.snapshots;
  if (typeof s !== 'object' || s === null || s.probe === undefined || s.probe === null) {
    throw new InvalidOptionError('train: snapshots.probe (the fixed probe set the kernel is computed on) is required');
  }
  const every = s.every === undefined ? 0 : positiveInteger(s.every, 'snapshots.every');
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const total = epochs * stepsPerEpoch;
  const list = (v: readonly number[] | undefined, name: string, max: number): readonly number[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw new InvalidOptionError(`train: snapshots.${name} must be an array of integers, got ${typeof v}`);
    for (const x of v) {
      if (!Number.isInteger(x) || x < 0 || x > max) throw new InvalidOptionError(`train: snapshots.${name} holds ${String(x)}; each must be an integer in 0..${max}`);
    }
    return v;
  };
  const topK = s.topK ?? 5;
  if (!Number.isInteger(topK) || topK < 0) throw new InvalidOptionError(`train: snapshots.topK must be an integer >= 0, got ${String(topK)}`);
  const method = s.method ?? 'auto';
  if (!['explicit', 'jacobian', 'auto'].includes(method)) throw new InvalidOptionError(`train: snapshots.method must be 'explicit' | 'jacobian' | 'auto', got ${String(method)}`);
  if (o.maxBytes !== undefined && !(o.maxBytes > 0)) throw new InvalidOptionError(`train: maxBytes must be a positive number of bytes, got ${String(o.maxBytes)}`);
  return {
    optimizer, learningRate, momentum, beta1, beta2, epsilon: o.epsilon, epochs, batchSize, loss, shuffle: o.shuffle ?? true, seed, every,
    atSteps: list(s.atSteps, 'atSteps', total), atEpochs: list(s.atEpochs, 'atEpochs', epochs), topK, layers: s.layers ?? true, method,
  };
}

/** The sorted step counts at which snapshots are taken: 0, the last step, every `every`, the listed steps and epoch ends. */
export function snapshotSteps(o: ResolvedOptions, stepsPerEpoch: number): number[] {
  const total = o.epochs * stepsPerEpoch;
  const steps = new Set<number>([0, total, ...o.atSteps, ...o.atEpochs.map((e) => e * stepsPerEpoch)]);
  if (o.every > 0) for (let s = o.every; s < total; s += o.every) steps.add(s);
  return [...steps].sort((a, b) => a - b);
}
