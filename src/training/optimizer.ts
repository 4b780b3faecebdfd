/** The optimizer a run steps with: a built-in one made (and later disposed) here, or the caller's own. */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedOptions } from './options';

/** The optimizer and whether train() owns it (and so disposes it). */
export interface RunOptimizer {
  optimizer: tf.Optimizer;
  owned: boolean;
}

/** True for a tfjs optimizer object (tf.train.*). */
export function isOptimizer(v: unknown): v is tf.Optimizer {
  return v instanceof tf.Optimizer;
}

/** tf.train.sgd / momentum (heavy ball, not Nesterov) / adam with the run's hyperparameters. */
export function makeOptimizer(o: ResolvedOptions): RunOptimizer {
  if (typeof o.optimizer !== 'string') return { optimizer: o.optimizer, owned: false };
  switch (o.optimizer) {
    case 'sgd':
      return { optimizer: tf.train.sgd(o.learningRate), owned: true };
    case 'momentum':
      return { optimizer: tf.train.momentum(o.learningRate, o.momentum, false), owned: true };
    case 'adam':
      return { optimizer: tf.train.adam(o.learningRate, o.beta1, o.beta2, o.epsilon), owned: true };
  }
}

/**
 * Disposes an optimizer train() made. tfjs' MomentumOptimizer.dispose() frees its momentum and accumulators but
 * not the learning-rate scalar `c` its SGD base keeps (tfjs-core 4.x), so that one is freed here too.
 */
export function disposeOptimizer(opt: tf.Optimizer): void {
  opt.dispose();
  if (opt instanceof tf.MomentumOptimizer) {
    const c = (opt as unknown as { c?: tf.Tensor }).c;
    if (c && !c.isDisposed) c.dispose();
  }
}
