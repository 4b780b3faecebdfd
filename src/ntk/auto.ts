/**
 * method: 'auto': which NTK implementation to run, from an analytic cost model (FLOPs and bytes from the
 * shapes, at rates measured on a 2-core CPU with OpenBLAS), not from a timing run. neural-tangents' AUTO
 * times candidates and is known to choose badly on CPU; here the choice is cheap and says why.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError, UnsupportedModelError } from '../errors';
import { Mlp } from '../models';
import { ExplicitNetwork, explicitNetwork } from './explicit/network';
import { ConvolutionsOption, NtkCost, ntkCost } from './jacobian/cost';
import { AutodiffModel } from './jacobian/linearised';
import { isPureModel } from './jacobian/pure';
import { OutputLayout } from './kernel';
import { valuesPerPair } from './memory';
import { NtkMethod } from './options';

/** The implementations that compute a kernel. */
export type KernelMethod = 'explicit' | 'jacobian';

/** Predicted cost of one implementation. */
export interface CostEstimate {
  /** Floating-point operations (2 per multiply-add). */
  flops: number;
  /** Bytes moved by passes that are not matrix products (features written and read, elementwise loops). */
  bytes: number;
  /** flops / GEMM_FLOPS + bytes / STREAM_BYTES. */
  seconds: number;
}

/** What 'auto' (or an explicit request) resolved to, and why. */
export interface MethodChoice {
  method: KernelMethod;
  reason: string;
  costs: Partial<Record<KernelMethod, CostEstimate>>;
  /** For 'jacobian' on a layers model: its FLOP count and per-layer routes (what `ntkCost` gives; the routes' reasons end `reason`). */
  plan?: NtkCost;
}

/** Adds the Jacobian method's per-layer plan (counted as ntkCost does) to a choice, when the model has layers. */
function withPlan(choice: MethodChoice, model: AutodiffModel, n1: number, n2: number | undefined, outputs: OutputLayout, convolutions: ConvolutionsOption, tile?: number): MethodChoice {
  if (choice.method !== 'jacobian' || isPureModel(model) || !(n1 > 0)) return choice;
  let plan: NtkCost;
  try {
    plan = ntkCost(model as Mlp | tfl.LayersModel, n1, n2 && n2 > 0 ? n2 : undefined, { outputs, convolutions, tile });
  } catch (e) {
    if (e instanceof UnsupportedModelError) return choice;
    throw e;
  }
  return { ...choice, reason: `${choice.reason}; per layer: ${plan.plan}`, plan };
}

/** Sustained sgemm rate of OpenBLAS on 2 cores (measured: 50-60 GFLOP/s), and of TypeScript loops over float32 arrays. */
const GEMM_FLOPS = 50e9;
const STREAM_BYTES = 4e9;

function cost(flops: number, bytes: number): CostEstimate {
  return { flops, bytes, seconds: flops / GEMM_FLOPS + bytes / STREAM_BYTES };
}

/** Costs of the explicit and the Jacobian method on an MLP of dense layers: n1 x n2 examples (n2 undefined: symmetric). */
export function mlpCosts(net: ExplicitNetwork, n1: number, n2: number | undefined, layout: OutputLayout): Record<KernelMethod, CostEstimate> {
  const dims = [net.layers[0].inDim, ...net.layers.map((l) => l.outDim)];
  const k = dims[dims.length - 1];
  const L = net.layers.length;
  const examples = n1 + (n2 ?? 0);
  const pairs = n2 === undefined ? n1 * n1 : 2 * n1 * n2; // SYRK does half a GEMM's work
  const vpp = valuesPerPair(k, layout);
  let passes = 0;
  let grams = 0;
  let features = 0;
  let engineExtra = 0;
  for (let l = 1; l <= L; l++) {
    passes += 2 * examples * dims[l - 1] * dims[l] * (l > 1 ? 1 + k : 1);
    grams += pairs * (dims[l - 1] + k * dims[l]);
    features += 4 * examples * (dims[l - 1] + 2 * k * dims[l]);
    // The engine keeps pre-activations, slopes and a copy of each stacked cotangent per layer.
    engineExtra += 4 * examples * dims[l] * (3 + 3 * k);
  }
  const combine = 4 * 3 * (n2 === undefined ? n1 * n1 : n1 * n2) * vpp * L;
  return {
    explicit: cost(passes + grams, features + combine),
    jacobian: cost(passes + grams, features + engineExtra + combine),
  };
}

/**
 * Resolves opts.method for `model` and n1 x n2 examples: 'explicit' and 'jacobian' as asked; 'auto' compares
 * the two on MLPs and takes 'jacobian' for anything else. 'vp' computes products, not kernels: see ntkVp. A
 * 'jacobian' choice on a layers model carries `plan` (ntkCost: FLOPs and each convolution's route, and why).
 */
export function chooseNtkMethod(
  model: AutodiffModel,
  n1: number,
  n2: number | undefined,
  opts: { method?: NtkMethod; outputs?: OutputLayout; convolutions?: ConvolutionsOption; tile?: number } = {},
): MethodChoice {
  return withPlan(chooseMethod(model, n1, n2, opts), model, n1, n2, opts.outputs ?? 'trace', opts.convolutions ?? 'auto', opts.tile);
}

function chooseMethod(model: AutodiffModel, n1: number, n2: number | undefined, opts: { method?: NtkMethod; outputs?: OutputLayout }): MethodChoice {
  const method = opts.method ?? 'auto';
  if (method === 'vp') {
    throw new InvalidOptionError("method 'vp' gives NTK-vector products Theta v without forming the kernel: call ntkVp(model, x, v)");
  }
  if (method === 'explicit') return { method, reason: 'asked for', costs: {} };
  if (method === 'jacobian') return { method, reason: 'asked for', costs: {} };
  if (!(model instanceof Mlp) && isPureModel(model)) {
    return { method: 'jacobian', reason: 'a pure function f(params, x): only autodiff applies', costs: {} };
  }
  if (!(model instanceof Mlp) && model instanceof tfl.LayersModel && model.layers.some((l) => !l.trainable && l.weights.length > 0)) {
    return { method: 'jacobian', reason: 'frozen layers (the explicit method takes every weight as a parameter)', costs: {} };
  }
  let net: ExplicitNetwork;
  try {
    net = explicitNetwork(model);
  } catch (e) {
    if (!(e instanceof UnsupportedModelError)) throw e;
    return { method: 'jacobian', reason: `not an MLP (${e.message.split(':')[0]})`, costs: {} };
  }
  const costs = mlpCosts(net, n1, n2, opts.outputs ?? 'trace');
  const pick: KernelMethod = costs.explicit.seconds <= costs.jacobian.seconds ? 'explicit' : 'jacobian';
  const fmt = (c: CostEstimate): string => `${(c.flops / 1e9).toFixed(2)} GFLOP + ${(c.bytes / 1e6).toFixed(0)} MB, ~${c.seconds.toFixed(3)} s`;
  return {
    method: pick,
    reason: `MLP: explicit ${fmt(costs.explicit)} vs jacobian ${fmt(costs.jacobian)}`,
    costs,
  };
}
