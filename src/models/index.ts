export { ACTIVATIONS, activation } from './activations';
export type { Activation, ActivationName } from './activations';
export type { DenseSpec } from './dense-layer';
export { Mlp, mlp, asMlp } from './mlp';
export type { MlpOptions, LayerWeights, Parameterization } from './mlp';
export { twoLayer } from './two-layer';
export type { TwoLayerOptions } from './two-layer';
