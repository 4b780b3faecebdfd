/**
 * The two-layer network of Ba et al. 2022 (arXiv 2205.01445, eq. 1.1): f(x) = a^T sigma(W^T x) / sqrt(N),
 * W in R^{d x N} with entries N(0, 1/d), a in R^N with entries N(0, 1/N), no biases.
 */
import { InvalidOptionError } from '../errors';
import { Rng, deriveSeed } from '../random';
import { ActivationName, activation } from './activations';
import { Mlp } from './mlp';

export interface TwoLayerOptions {
  /** Input dimension d. */
  d: number;
  /** Width N. */
  N: number;
  /** sigma (default 'tanh'). */
  activation?: ActivationName;
  seed?: number;
}

/** f(x) = a^T sigma(W^T x) / sqrt(N) as an Mlp: layer1 = W (d x N, multiplier 1), layer2 = a (N x 1, multiplier 1/sqrt(N)). */
export function twoLayer(options: TwoLayerOptions): Mlp {
  const { d, N } = options;
  for (const [name, v] of [['d', d], ['N', N]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InvalidOptionError(`twoLayer: ${name} must be a positive integer, got ${v}`);
  }
  const act = activation(options.activation ?? 'tanh').name;
  const seed = options.seed ?? 0;
  return new Mlp(
    [
      { inDim: d, outDim: N, weightMultiplier: 1, biasMultiplier: 1, bias: false, activation: act, weightVariance: 1 / d, biasVariance: 0 },
      { inDim: N, outDim: 1, weightMultiplier: 1 / Math.sqrt(N), biasMultiplier: 1, bias: false, activation: 'linear', weightVariance: 1 / N, biasVariance: 0 },
    ],
    [
      { W: new Rng(deriveSeed(seed, 'W')).normals32(d * N, 1 / Math.sqrt(d)), b: null },
      { W: new Rng(deriveSeed(seed, 'a')).normals32(N, 1 / Math.sqrt(N)), b: null },
    ],
    `two-layer network of Ba et al. 2022: f(x) = a^T ${act}(W^T x) / sqrt(N), d = ${d}, N = ${N}`,
  );
}
