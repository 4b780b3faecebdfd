/**
 * Activations of the engine: each as a tfjs op (for models and autodiff) and as a scalar function with its
 * derivative in float64 (for the explicit NTK, finite differences and theory).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidOptionError } from '../errors';
import { erf } from '../special/erf';

export const ACTIVATIONS = ['relu', 'tanh', 'erf', 'sigmoid', 'gelu', 'softplus', 'linear'] as const;
/** Name of an activation of the engine. gelu is the exact x * Phi(x), not the tanh approximation. */
export type ActivationName = (typeof ACTIVATIONS)[number];

export interface Activation {
  name: ActivationName;
  /** phi(z) in float64. */
  f(z: number): number;
  /** phi'(z) in float64 (relu'(0) = 0, as tfjs' gradient). */
  df(z: number): number;
  /** phi applied elementwise by tfjs (differentiable by tf.grad). */
  tf(z: tf.Tensor): tf.Tensor;
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
const TWO_OVER_SQRT_PI = 1.1283791670955126;

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

const TABLE: Record<ActivationName, Activation> = {
  relu: { name: 'relu', f: (z) => (z > 0 ? z : 0), df: (z) => (z > 0 ? 1 : 0), tf: (z) => tf.relu(z) },
  tanh: { name: 'tanh', f: Math.tanh, df: (z) => 1 - Math.tanh(z) ** 2, tf: (z) => tf.tanh(z) },
  erf: { name: 'erf', f: erf, df: (z) => TWO_OVER_SQRT_PI * Math.exp(-z * z), tf: (z) => tf.erf(z) },
  sigmoid: { name: 'sigmoid', f: sigmoid, df: (z) => sigmoid(z) * (1 - sigmoid(z)), tf: (z) => tf.sigmoid(z) },
  gelu: {
    name: 'gelu',
    f: (z) => 0.5 * z * (1 + erf(z * INV_SQRT2)),
    df: (z) => 0.5 * (1 + erf(z * INV_SQRT2)) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z),
    tf: (z) => tf.tidy(() => tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(tf.mul(z, INV_SQRT2)), 1))),
  },
  softplus: { name: 'softplus', f: softplus, df: sigmoid, tf: (z) => tf.softplus(z) },
  linear: { name: 'linear', f: (z) => z, df: () => 1, tf: (z) => tf.clone(z) },
};

/** Looks up an activation by name; an unknown name is an InvalidOptionError listing the known ones. */
export function activation(name: string): Activation {
  if (!(ACTIVATIONS as readonly string[]).includes(name)) {
    throw new InvalidOptionError(`unknown activation '${name}'; expected one of ${ACTIVATIONS.join(', ')}`);
  }
  return TABLE[name as ActivationName];
}
