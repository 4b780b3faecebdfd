/**
 * What the infinite-width limit needs of an MLP, layer by layer: the forward multipliers (as in the engine's
 * DenseSpec) and the variances the weights were drawn with. Read from an ntk-lab Mlp (mlp(), twoLayer()), or
 * given by hand; checked either way.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError, UnsupportedModelError } from '../../errors';
import { ACTIVATIONS, type ActivationName } from '../../models/activations';
import { type Mlp, asMlp } from '../../models/mlp';

/**
 * One dense layer z_l = m_l h_{l-1} W_l + bm_l b_l, h_l = phi_l(z_l), with W_l's entries iid N(0, weightVariance)
 * and b_l's N(0, biasVariance). mlp({ parameterization: 'ntk' }): m = weightStd / sqrt(inDim), bm = biasStd,
 * both variances 1; 'standard': m = bm = 1, weightVariance = weightStd^2 / inDim, biasVariance = biasStd^2.
 */
export interface LimitLayer {
  /** n_{l-1}: in the limit only through m_l^2 n_{l-1} (the weight term of the NTK). */
  inDim: number;
  /** n_l (the last layer's is the number of outputs k). */
  outDim: number;
  /** m_l. */
  weightMultiplier: number;
  /** Variance of W_l's entries. */
  weightVariance: number;
  bias: boolean;
  /** bm_l (ignored without a bias). */
  biasMultiplier: number;
  /** Variance of b_l's entries (ignored without a bias). */
  biasVariance: number;
  /** phi_l, applied to z_l: 'linear' for the output layer. */
  activation: ActivationName;
}

/** Any model whose limit can be taken: an ntk-lab Mlp (or its tf.LayersModel), or its layers described by hand. */
export type LimitModel = Mlp | tfl.LayersModel | readonly LimitLayer[];

/** The per-layer constants of the recursion (docs/theory.md, "Infinite-width kernels"). */
export interface LayerFactors {
  activation: ActivationName;
  /** s_l^2 = m_l^2 w_l^2 n_{l-1}: Sigma_l = s_l^2 K_{l-1} + beta_l^2. */
  s2: number;
  /** beta_l^2 = bm_l^2 Var b_l: the bias's share of Sigma_l (0 without a bias). */
  bias2: number;
  /** kappa_l = m_l^2 n_{l-1}: the weight term kappa_l K_{l-1} of Theta_l. */
  kappa: number;
  /** bm_l^2: the bias term of Theta_l (0 without a bias). */
  biasKappa: number;
}

const finiteNonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The layers of `model`, checked: consecutive dimensions, finite non-negative constants, a linear output layer. */
export function limitLayers(model: LimitModel, fn = 'limitLayers'): LimitLayer[] {
  let layers: readonly LimitLayer[];
  if (Array.isArray(model)) {
    layers = model as readonly LimitLayer[];
  } else {
    const net = asMlp(model as Mlp | tfl.LayersModel);
    if (!net) {
      const what = model instanceof tfl.LayersModel ? `tf.LayersModel '${model.name}' was not built by ntk-lab` : 'not a model';
      throw new UnsupportedModelError(`${fn}: ${what}; infinite-width limits need an ntk-lab mlp() or twoLayer() (their initial variances are known), or the layers as LimitLayer[]`);
    }
    layers = net.layers.map((s, i) => {
      if (s.weightVariance === undefined || (s.bias && s.biasVariance === undefined)) {
        throw new UnsupportedModelError(`${fn}: layer${i + 1} does not say the variance its weights were drawn with (an Mlp built by hand); pass its layers as LimitLayer[] instead`);
      }
      return { ...s, weightVariance: s.weightVariance, biasVariance: s.biasVariance ?? 0 };
    });
  }
  if (layers.length === 0) throw new InvalidOptionError(`${fn}: needs at least one layer`);
  layers.forEach((s, i) => {
    const name = `${fn}: layer${i + 1}`;
    if (typeof s !== 'object' || s === null) throw new InvalidOptionError(`${name} must be a LimitLayer object`);
    for (const dim of ['inDim', 'outDim'] as const) {
      if (!Number.isSafeInteger(s[dim]) || s[dim] < 1) throw new InvalidOptionError(`${name}.${dim} must be a positive integer, got ${String(s[dim])}`);
    }
    if (typeof s.weightMultiplier !== 'number' || !Number.isFinite(s.weightMultiplier)) throw new InvalidOptionError(`${name}.weightMultiplier must be a finite number, got ${String(s.weightMultiplier)}`);
    if (!finiteNonNegative(s.weightVariance)) throw new InvalidOptionError(`${name}.weightVariance must be a finite number >= 0, got ${String(s.weightVariance)}`);
    if (typeof s.bias !== 'boolean') throw new InvalidOptionError(`${name}.bias must be a boolean, got ${String(s.bias)}`);
    if (s.bias) {
      if (typeof s.biasMultiplier !== 'number' || !Number.isFinite(s.biasMultiplier)) throw new InvalidOptionError(`${name}.biasMultiplier must be a finite number, got ${String(s.biasMultiplier)}`);
      if (!finiteNonNegative(s.biasVariance)) throw new InvalidOptionError(`${name}.biasVariance must be a finite number >= 0, got ${String(s.biasVariance)}`);
    }
    if (!(ACTIVATIONS as readonly string[]).includes(s.activation)) {
      throw new InvalidOptionError(`${name}.activation '${String(s.activation)}' is not one of ${ACTIVATIONS.join(', ')}`);
    }
    if (i > 0 && s.inDim !== layers[i - 1].outDim) throw new InvalidOptionError(`${name}.inDim ${s.inDim} does not match layer${i}.outDim ${layers[i - 1].outDim}`);
  });
  const last = layers[layers.length - 1];
  // f = phi(z_out) of a single output unit has the random NTK phi'(z(x)) phi'(z(x')) Theta: no deterministic limit.
  if (last.activation !== 'linear') throw new UnsupportedModelError(`${fn}: the output layer must be linear, got '${last.activation}'`);
  return layers.map((s) => ({ ...s }));
}

/** s^2, beta^2, kappa and bm^2 of each layer. */
export function layerFactors(layers: readonly LimitLayer[]): LayerFactors[] {
  return layers.map((s) => {
    const m2 = s.weightMultiplier * s.weightMultiplier;
    const bm2 = s.bias ? s.biasMultiplier * s.biasMultiplier : 0;
    return { activation: s.activation, s2: m2 * s.weightVariance * s.inDim, bias2: s.bias ? bm2 * s.biasVariance : 0, kappa: m2 * s.inDim, biasKappa: bm2 };
  });
}
