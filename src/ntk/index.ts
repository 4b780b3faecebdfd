/**
 * The kernel engine, for ntk-lab's own modules. Not a package entry: 'ntk-lab' (src/index.ts) lists what users get;
 * the memory estimators (explicitMemoryEstimate, defaultMaxBytes) stay internal.
 */
export { Kernel } from './kernel';
export type { KernelInit, KernelKind, LayerwiseNtk, OutputLayout } from './kernel';
export type { NtkMethod, NtkOptions } from './options';
export { ntk, ntkLayerwise, ntkTiles } from './ntk';
export { ntkVp } from './vp';
export type { NtkVpOptions } from './vp';
export { chooseNtkMethod } from './auto';
export { ntkCost } from './jacobian/cost';
export type { ConvolutionsOption, LayerCost, NtkCost, RouteCost } from './jacobian/cost';
export type { CostEstimate, KernelMethod, MethodChoice } from './auto';
export type { AutodiffModel } from './jacobian/linearised';
export type { PureModel, PureRoute } from './jacobian/pure';
export type { NtkTile } from './ntk';
export type { Range } from './explicit/block';
export { ck } from './ck';
export { pseudoNtk, sketchedNtk, nystromNtk } from './approximate';
export type {
  ApproxCost,
  ApproxError,
  ApproxResult,
  NystromError,
  NystromNtkOptions,
  NystromNtkResult,
  PseudoNtkOptions,
  PseudoNtkResult,
  SketchedNtkOptions,
  SketchedNtkResult,
} from './approximate';
export type { CkOptions } from './ck';
export type { InputBatch } from './input';
export type { NtkModel } from './explicit/network';
export { explicitMemoryEstimate, defaultMaxBytes } from './memory';
