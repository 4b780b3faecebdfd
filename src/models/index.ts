/** The models, for ntk-lab's own modules. Not a package entry: 'ntk-lab' (src/index.ts) re-exports all of them. */
export { ACTIVATIONS, activation } from './activations';
export type { Activation, ActivationName } from './activations';
export type { DenseSpec } from './dense-layer';
export { Mlp, mlp, asMlp } from './mlp';
export type { MlpOptions, LayerWeights, Parameterization } from './mlp';
export { twoLayer } from './two-layer';
export type { TwoLayerOptions } from './two-layer';
export { selfAttention } from './attention';
export type { Attention, AttentionOptions } from './attention';
