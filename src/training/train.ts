/**
 * train(): trains a model with a tfjs optimizer and streams the kernel during training, one Arrow record batch
 * ('training' kind, src/training/schema.ts) per snapshot, while it trains.
 *
 *   const net = mlp({ inputDim: 16, widths: [256, 256], seed: 0 });
 *   const run = train(net, { x, y }, { optimizer: 'adam', learningRate: 1e-3, epochs: 20, batchSize: 32,
 *     snapshots: { every: 10, probe: xProbe, probeTargets: yProbe } });
 *   const table = await run.toTable();         // or run.toFile('training.arrow'), or a TrainingWidget
 *
 * The stream is lazy, like every ResultStream: training runs while it is consumed (a for-await loop, pipeTo,
 * toTable, toFile, a widget), and a consumer that stops early stops training there. The model is trained in
 * place and stays the caller's; every tensor made here is disposed (tf.memory().numTensors returns to its start).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RecordBatch } from 'apache-arrow';
import { resultSchema } from '../arrow/schemas';
import { ResultStream } from '../arrow/stream';
import { backendInfo } from '../backend';
import { CancelledError, InvalidOptionError, MemoryBudgetError, ShapeError, UnsupportedModelError } from '../errors';
import { Mlp } from '../models/mlp';
import { ntk, ntkLayerwise } from '../ntk/ntk';
import type { Kernel } from '../ntk/kernel';
import { defaultMaxBytes } from '../ntk/memory';
import { Rng } from '../random';
import { asTensor, batchShape, outputCount, targetMatrix, TrainableModel, TrainingSet, trainableVariables } from './data';
import { evaluate, lossOf } from './evaluate';
import { checkGradientKernels } from './gradient-kernels';
import { predict } from './data';
import type { TargetMatrix } from './metrics';
import { disposeOptimizer, isOptimizer, makeOptimizer } from './optimizer';
import { ResolvedOptions, resolveOptions, snapshotSteps, TrainOptions } from './options';
import { TrainingColumns, trainingBatch, TrainingRow } from './schema';
import { KernelHistory, kernelRows, TrainingSnapshot } from './snapshot';

/** What the checks before training found. */
interface Plan {
  o: ResolvedOptions;
  n: number;
  k: number;
  stepsPerEpoch: number;
  steps: number[];
  maxBytes: number | undefined;
}

/** Checks shapes, options and the memory of the kept kernels; throws before anything is allocated. */
function plan(model: TrainableModel, data: TrainingSet, options: TrainOptions): Plan {
  if (!(model instanceof Mlp) && !(typeof model === 'object' && model !== null && 'trainableWeights' in model && 'predict' in model)) {
    throw new InvalidOptionError('train: model must be an ntk-lab Mlp or a tf.LayersModel');
  }
  if (typeof data !== 'object' || data === null || data.x === undefined || data.y === undefined) throw new InvalidOptionError('train: data must be { x, y }');
  const xs = batchShape(data.x, 'data.x');
  const ys = batchShape(data.y, 'data.y');
  const k = outputCount(model);
  if (ys.rows !== xs.rows) throw new ShapeError(`train: data.x has ${xs.rows} rows, data.y has ${ys.rows}; they must match`);
  if (ys.cols !== k) throw new ShapeError(`train: data.y must be [${xs.rows}, ${k}] (the model has ${k} outputs), got ${ys.cols === undefined ? 'more than 2 dimensions' : `[${ys.rows}, ${ys.cols}]`}`);
  const o = resolveOptions(options, xs.rows, isOptimizer);
  if (!(model instanceof Mlp)) checkGradientKernels(model);
  if (o.loss === 'softmax-cross-entropy' && k < 2) throw new InvalidOptionError(`train: 'softmax-cross-entropy' needs k >= 2 outputs (one per class); the model has ${k}`);
  const ps = batchShape(options.snapshots.probe, 'snapshots.probe');
  if (options.snapshots.probeTargets !== undefined) {
    const pt = batchShape(options.snapshots.probeTargets, 'snapshots.probeTargets');
    if (pt.rows !== ps.rows || pt.cols !== k) {
      throw new ShapeError(`train: snapshots.probeTargets must be [${ps.rows}, ${k}] (probe rows x outputs), got [${pt.rows}, ${pt.cols ?? '...'}]`);
    }
  }
  if (model instanceof Mlp && ps.cols !== model.inputDim) throw new ShapeError(`train: snapshots.probe has dimension ${ps.cols}, the model expects ${model.inputDim}`);
  // Kept: K_0 and its C components, K_{t-1}; made per snapshot: K_t and its components, a float64 copy for eigh,
  // and the centred kernel (float64): (3 + 2C) m^2 float32 + 2 m^2 float64.
  const components = o.layers ? trainableVariables(model).length : 0;
  const need = ps.rows * ps.rows * (4 * (3 + 2 * components) + 16);
  const maxBytes = options.maxBytes;
  const budget = maxBytes ?? defaultMaxBytes();
  if (need > budget) {
    throw new MemoryBudgetError(
      `train: the probe kernels (${ps.rows} x ${ps.rows}, ${components} components kept from initialisation) need about ${(need / 2 ** 20).toFixed(1)} MiB, ` +
        `over the budget of ${(budget / 2 ** 20).toFixed(1)} MiB: use a smaller probe, snapshots.layers = false, or raise maxBytes`,
      need,
      budget,
    );
  }
  const stepsPerEpoch = Math.ceil(xs.rows / o.batchSize);
  return { o, n: xs.rows, k, stepsPerEpoch, steps: snapshotSteps(o, stepsPerEpoch), maxBytes };
}

/**
 * Runs one optimizer step in a tidy scope. A backend without a gradient kernel the model needs (one that
 * checkGradientKernels does not know of) is reported as such, with what to do (tfjs may leave tensors behind then).
 */
function stepOnce(fn: () => void): void {
  try {
    tf.tidy(fn);
  } catch (e) {
    const m = e instanceof Error ? /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(e.message) : null;
    if (!m) throw e;
    throw new UnsupportedModelError(
      `train: the tfjs '${m[2]}' backend cannot compute this model's gradient (it has no '${m[1]}' kernel); ` +
        `train it on another backend (NTK_BACKEND=cpu or node, or useBackend('cpu')) and compute its kernels anywhere`,
    );
  }
}

/** Fisher-Yates permutation of 0..n-1 from `rng`. */
function permutation(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Trains `model` on `data` and streams one 'training' batch per snapshot (see the file comment and
 * docs/training.md): loss and accuracy (train set and probe), and on the probe NTK (m x m, summed over the
 * k outputs): distance and relative change from initialisation, velocity, target alignments, per-component trace shares and
 * relative change, top eigenvalues and their eigenvectors' target alignment. Bad options throw here, at once.
 */
export function train(model: TrainableModel, data: TrainingSet, options: TrainOptions): ResultStream<TrainingColumns> {
  const p = plan(model, data, options);
  const params = {
    model: model instanceof Mlp ? model.description : `tf.LayersModel ${model.name}`,
    n: p.n, outputs: p.k, optimizer: typeof p.o.optimizer === 'string' ? p.o.optimizer : p.o.optimizer.getClassName(),
    learningRate: p.o.learningRate, epochs: p.o.epochs, batchSize: p.o.batchSize, loss: p.o.loss, steps: p.steps, probe: batchShape(options.snapshots.probe, 'probe').rows,
  };
  const schema = resultSchema('training', { params, seed: p.o.seed, backend: backendInfo()?.name ?? '' });
  return new ResultStream(schema, run(model, data, options, p), { signal: options.signal });
}

async function* run(model: TrainableModel, data: TrainingSet, options: TrainOptions, p: Plan): AsyncGenerator<RecordBatch<TrainingColumns>> {
  const { o } = p;
  const owned: tf.Tensor[] = [];
  const made = makeOptimizer(o);
  try {
    const x = asTensor(data.x, owned);
    const y = asTensor(data.y, owned);
    const probe = options.snapshots.probe;
    const probeX = asTensor(probe, owned);
    const probeY = options.snapshots.probeTargets === undefined ? undefined : asTensor(options.snapshots.probeTargets, owned);
    const targets: TargetMatrix | undefined = options.snapshots.probeTargets === undefined ? undefined : targetMatrix(options.snapshots.probeTargets, 'snapshots.probeTargets');
    const withAccuracy = p.k > 1;
    const vars = trainableVariables(model);
    const rng = new Rng(o.seed);
    let order: Int32Array | undefined;
    let history: KernelHistory | undefined;
    let step = 0;
    for (const at of p.steps) {
      const stepsFrom = step;
      const t0 = performance.now();
      while (step < at) {
        if (options.signal?.aborted) throw new CancelledError(`train: cancelled after ${step} steps`);
        const b = step % p.stepsPerEpoch;
        if (b === 0 && o.shuffle && o.batchSize < p.n) order = permutation(p.n, rng);
        const start = b * o.batchSize;
        const size = Math.min(o.batchSize, p.n - start);
        stepOnce(() => {
          // Full batches need no gather: the mean loss does not depend on the order of the rows.
          let xb = x;
          let yb = y;
          if (size < p.n) {
            const idx = order ? tf.tensor1d(order.subarray(start, start + size), 'int32') : tf.range(start, start + size, 1, 'int32');
            xb = tf.gather(x, idx);
            yb = tf.gather(y, idx);
          }
          made.optimizer.minimize(() => lossOf(o.loss, yb, predict(model, xb)), false, vars);
        });
        step++;
        // Lets the event loop run between steps: an abort, a kernel interrupt, comm messages.
        await new Promise((r) => setImmediate(r));
      }
      const t1 = performance.now();
      const rows: TrainingRow[] = [];
      const onTrain = evaluate(model, x, y, o.loss, withAccuracy);
      rows.push({ metric: 'loss', label: 'train', value: onTrain.loss });
      if (onTrain.accuracy !== undefined) rows.push({ metric: 'accuracy', label: 'train', value: onTrain.accuracy });
      if (probeY) {
        const pr = evaluate(model, probeX, probeY, o.loss, withAccuracy);
        rows.push({ metric: 'loss', label: 'probe', value: pr.loss });
        if (pr.accuracy !== undefined) rows.push({ metric: 'accuracy', label: 'probe', value: pr.accuracy });
      }
      const ntkOptions = { method: o.method, signal: options.signal, ...(p.maxBytes === undefined ? {} : { maxBytes: p.maxBytes }) };
      let kernel: Kernel;
      let components: Kernel[] = [];
      const k0 = performance.now();
      if (o.layers) ({ ntk: kernel, components } = await ntkLayerwise(model, probe, undefined, ntkOptions));
      else kernel = await ntk(model, probe, undefined, ntkOptions);
      const kernelMs = performance.now() - k0;
      rows.push(...(await kernelRows(step, kernel, components, history, targets, o.topK)));
      history = history
        ? { ...history, previous: kernel, previousStep: step }
        : { initial: kernel, initialComponents: components, previous: kernel, previousStep: step };
      const epoch = step / p.stepsPerEpoch;
      const timing = { stepMs: step > stepsFrom ? (t1 - t0) / (step - stepsFrom) : 0, snapshotMs: performance.now() - t1, kernelMs };
      const snapshot: TrainingSnapshot = { step, epoch, rows, kernel, components, timing };
      await options.onSnapshot?.(snapshot);
      yield trainingBatch(step, epoch, rows);
    }
  } finally {
    tf.dispose(owned);
    if (made.owned) disposeOptimizer(made.optimizer);
  }
}
