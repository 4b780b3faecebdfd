/**
 * The work of the Jacobian method, per layer and in total: FLOPs it executes (by the route each layer takes) and
 * the minimal FLOPs of the kernel's contractions (the structured-derivatives count of Novak et al. 2022, 'Fast
 * finite width neural tangent kernel'), and the per-layer route choice for weights over several positions
 * (convolutions, Dense on sequences): per-example gradients or patch Grams x delta Grams. One formula serves the
 * route choice, MethodChoice.reason and bench/jacobian.
 *
 * Conventions: 2 FLOPs per multiply-add; `pairs` = example pairs computed: n (n + 1) / 2 for a symmetric kernel
 * (SYRK and the lower-triangle loops do half the work), n1 n2 for a cross-kernel. For a kernel of k outputs,
 * gd = the delta-Gram width factor (k for 'trace'/'diagonal', k^2 for 'full') and vpp = values per pair
 * (1, k, k^2 for 'trace', 'diagonal', 'full'). Ops without linear algebra (activations, pooling, reshapes)
 * are not counted: they are memory-bound loops, a few per cent of the time.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError } from '../../errors';
import { Mlp } from '../../models';
import { OutputLayout } from '../kernel';
import { paramDependence } from './engine';
import { ConvRoute } from './factors';
import { Graph, buildGraph } from './graph';
import { isBilinear } from './ops/bilinear';
import { LinearOp } from './ops/linear';

/** opts.convolutions: the cost model's choice per layer ('auto'), or one route for every layer over positions. */
export type ConvolutionsOption = 'auto' | ConvRoute;

/** Sustained sgemm rate of OpenBLAS on 2 cores (bench/jacobian measured 100-127 GFLOP/s on a 2-core Haswell VM). */
export const BLAS_FLOPS = 100e9;
/** Product-and-sum loops in TypeScript over float32 Grams (measured 0.6 GFLOP/s: 8.6 M in 14 ms, P = 4). */
export const LOOP_FLOPS = 0.6e9;
/**
 * Values written per second besides the FLOPs that make them: per-example gradients streamed to memory by one
 * small product per example and output (n = 600, 4x4x32 inputs: 5.5 M values, ~22 ms beyond the Gram's FLOPs),
 * and the structured route's cache-resident P x P Gram blocks (1 MB sub-blocks).
 */
export const STREAMED_VALUES = 0.25e9;
export const CACHED_VALUES = 1e9;

/** Predicted work of one route of one layer's contraction (weight and bias). */
export interface RouteCost {
  /** FLOPs in BLAS products (SYRK/GEMM, the small per-example products that form gradients). */
  blasFlops: number;
  /** FLOPs in TypeScript loops (products of Grams, sums). */
  loopFlops: number;
  /** blasFlops + loopFlops. */
  flops: number;
  /** Values the route writes besides the kernel: per-example gradients ('gradients'), the P x P Gram blocks of every pair ('structured'). */
  values: number;
  /** blasFlops / BLAS_FLOPS + loopFlops / LOOP_FLOPS + values / (STREAMED_VALUES or CACHED_VALUES). */
  seconds: number;
}

/** The count of one linear layer (or of a layer with a parameter but no rule: 'rows'). */
export interface LayerCost {
  layer: string;
  /** Its parameter tensors' component labels (weight, then bias). */
  labels: string[];
  /** Positions P (1: a Dense on vectors), patch length C, output channels (0 for a 'rows' layer). */
  positions: number;
  patch: number;
  channels: number;
  /** 'outer': (H H'^T) o (D D'^T); 'gradients' / 'structured': the two routes over positions; 'rows': per-example gradients of a layer without a rule. */
  route: 'outer' | 'rows' | ConvRoute;
  /** Forward and reverse pass of the op (2 E P C cout forward, 2 E k P C cout for the input cotangents). */
  passFlops: number;
  /** Contraction FLOPs of the route taken (forming per-example gradients included). */
  executedFlops: number;
  /** Minimal contraction FLOPs (Novak et al. 2022): the cheaper of 2 pairs gd params and 2 pairs P^2 (C + gd cout), plus the bias. */
  minimalFlops: number;
  /** Both routes' predictions (layers over several positions with a trainable weight). */
  routes: Record<ConvRoute, RouteCost> | null;
  /** What runs and why, in one line. */
  reason: string;
}

/** The count of a whole kernel. */
export interface NtkCost {
  n1: number;
  n2: number;
  symmetric: boolean;
  layout: OutputLayout;
  k: number;
  /** Example pairs computed (n (n + 1) / 2 symmetric, n1 n2 cross). */
  pairs: number;
  layers: LayerCost[];
  passFlops: number;
  executedFlops: number;
  minimalFlops: number;
  /** The layers' reasons joined. */
  plan: string;
}

function route(blasFlops: number, loopFlops: number, values: number, valueRate: number): RouteCost {
  return { blasFlops, loopFlops, flops: blasFlops + loopFlops, values, seconds: blasFlops / BLAS_FLOPS + loopFlops / LOOP_FLOPS + values / valueRate };
}

function gflop(f: number): string {
  return f >= 1e12 ? `${(f / 1e12).toFixed(2)} TFLOP` : f >= 1e9 ? `${(f / 1e9).toFixed(2)} GFLOP` : `${(f / 1e6).toFixed(2)} MFLOP`;
}

function ms(seconds: number): string {
  return `${(seconds * 1e3).toPrecision(3)} ms`;
}

function checkOption(option: string): void {
  if (!['auto', 'gradients', 'structured'].includes(option)) {
    throw new InvalidOptionError(`convolutions must be 'auto' | 'gradients' | 'structured', got '${option}'`);
  }
}

/**
 * Examples whose forward and reverse passes run, for blocks of `tile` examples (undefined: one block). A block
 * recomputes its column range's passes: a symmetric kernel runs each row range once and each column range once
 * per block above the diagonal, a cross-kernel each column range once per row range.
 */
export function passExamples(n1: number, n2: number | undefined, tile?: number): number {
  const t = tile === undefined ? Infinity : tile;
  if (n2 !== undefined) return n1 + Math.ceil(n1 / Math.min(t, n1)) * n2;
  let E = n1;
  for (let J = 0, start = 0; start < n1; J++, start += t) E += J * (Math.min(n1, start + t) - start);
  return E;
}

/**
 * Counts the Jacobian method on `graph` for n1 x n2 examples (n2 undefined: the symmetric kernel of n1) in
 * `layout`, computed in blocks of `tile` examples (undefined: untiled; a tiled kernel repeats passes, see
 * passExamples), and picks each layer's route (option 'auto': the smaller predicted time). Pure: sets nothing.
 */
export function countGraph(graph: Graph, n1: number, n2: number | undefined, layout: OutputLayout, option: ConvolutionsOption = 'auto', tile?: number): NtkCost {
  checkOption(option);
  const k = graph.k;
  const symmetric = n2 === undefined;
  const m = n2 ?? n1;
  const E = passExamples(n1, n2, tile); // examples whose passes run
  const pairs = symmetric ? (n1 * (n1 + 1)) / 2 : n1 * m;
  const gd = layout === 'full' ? k * k : k;
  const vpp = layout === 'full' ? k * k : layout === 'diagonal' ? k : 1;
  const needs = paramDependence(graph);
  const layers: LayerCost[] = [];
  for (const node of graph.nodes) {
    const op = node.op;
    if (isBilinear(op) && op.params.length) {
      // Depthwise and transposed convolutions: per-example kernel gradients formed (macs per stacked row), then
      // their Gram; the bias rows' Gram. Minimal: the cheaper of that Gram and the structured count over positions.
      const { macs, positions: P, patch, channels, weight, bias, biasSize } = op.bilinear;
      const needInputs = node.inputs.some((i) => needs[i] === true);
      const size = op.params[0].size;
      const passFlops = 2 * E * macs * (1 + (needInputs ? k : 0));
      const form = 2 * E * k * macs;
      const grams = 2 * pairs * gd * (size + (bias ? biasSize : 0));
      const minimal = Math.min(2 * pairs * gd * size, 2 * pairs * P * P * (patch + gd * channels)) + (bias ? Math.min(2 * pairs * gd * biasSize, pairs * P * P * vpp) : 0);
      const labels = [weight, bias].filter((l): l is string => l !== null);
      layers.push({
        layer: op.layer, labels, positions: P, patch, channels, route: 'rows', passFlops,
        executedFlops: form + grams, minimalFlops: minimal, routes: null,
        reason: `${labels[0]}: per-example gradients of ${size} parameters formed (${gflop(form)}) and Gram-ed (${gflop(grams)})`,
      });
      continue;
    }
    if (!(op instanceof LinearOp)) {
      if (!op.params.length) continue;
      const size = op.params.reduce((s, p) => s + p.size, 0);
      const f = 2 * pairs * gd * size;
      layers.push({
        layer: op.layer, labels: op.params.map((p) => p.label), positions: 0, patch: 0, channels: 0, route: 'rows',
        passFlops: 0, executedFlops: f, minimalFlops: f, routes: null,
        reason: `${op.layer}: per-example gradients of ${size} parameters (${gflop(f)})`,
      });
      continue;
    }
    const { P, C, cout, weight, bias } = op.shape;
    const needInputs = node.inputs.some((i) => needs[i] === true);
    const passFlops = 2 * E * P * C * cout * (1 + (needInputs ? k : 0));
    const labels = [weight, bias].filter((l): l is string => l !== null);
    if (!weight) {
      layers.push({ layer: op.layer, labels, positions: P, patch: C, channels: cout, route: 'outer', passFlops, executedFlops: 0, minimalFlops: 0, routes: null, reason: `${op.layer}: frozen` });
      continue;
    }
    const hasBias = bias !== null;
    if (P === 1) {
      // (H H'^T) o (D D'^T): two Grams, one product per output value; the bias adds the D Gram.
      const blas = 2 * pairs * (C + gd * cout);
      const loop = 2 * pairs * vpp + (hasBias ? pairs * vpp : 0);
      layers.push({
        layer: op.layer, labels, positions: 1, patch: C, channels: cout, route: 'outer', passFlops,
        executedFlops: blas + loop, minimalFlops: blas + (hasBias ? pairs * vpp : 0), routes: null,
        reason: `${weight}: (H H'^T) o (D D'^T) (${gflop(blas + loop)})`,
      });
      continue;
    }
    // Per-example gradients: 2 P C cout per example and output, then their Gram; the bias rows' Gram.
    const gradients = route(2 * E * k * P * C * cout + 2 * pairs * gd * C * cout + (hasBias ? 2 * pairs * gd * cout : 0), (hasBias ? E * k * P * cout : 0) + pairs * vpp * (hasBias ? 2 : 1), E * k * C * cout, STREAMED_VALUES);
    // Patch Grams [P, P] and delta Grams per pair, their product summed; the bias sums the delta Grams.
    const structured = route(2 * pairs * P * P * (C + gd * cout), 3 * pairs * P * P * vpp, pairs * P * P * (1 + vpp), CACHED_VALUES);
    const minimal = Math.min(2 * pairs * gd * C * cout, 2 * pairs * P * P * (C + gd * cout)) + (hasBias ? Math.min(2 * pairs * gd * cout, pairs * P * P * vpp) : 0);
    const pick: ConvRoute = option !== 'auto' ? option : structured.seconds < gradients.seconds ? 'structured' : 'gradients';
    const other: ConvRoute = pick === 'structured' ? 'gradients' : 'structured';
    const routes = { gradients, structured };
    const why = option === 'auto' ? 'cost model' : 'asked for';
    layers.push({
      layer: op.layer, labels, positions: P, patch: C, channels: cout, route: pick, passFlops,
      executedFlops: routes[pick].flops, minimalFlops: minimal, routes,
      reason: `${weight}: ${pick} (${why}; P = ${P}, C = ${C}, cout = ${cout}: ${gflop(routes[pick].flops)} ~${ms(routes[pick].seconds)} vs ${other} ${gflop(routes[other].flops)} ~${ms(routes[other].seconds)})`,
    });
  }
  const sum = (f: (l: LayerCost) => number): number => layers.reduce((s, l) => s + f(l), 0);
  return {
    n1, n2: m, symmetric, layout, k, pairs, layers,
    passFlops: sum((l) => l.passFlops),
    executedFlops: sum((l) => l.executedFlops),
    minimalFlops: sum((l) => l.minimalFlops),
    plan: layers.map((l) => l.reason).join('; '),
  };
}

/** Sets each linear op's route from a count of the same graph (what the next passes form). */
export function applyRoutes(graph: Graph, cost: NtkCost): void {
  // By weight label: one layer may give several ops (SeparableConv2D: a depthwise op, then a pointwise LinearOp).
  const byWeight = new Map(cost.layers.map((l) => [l.labels[0], l.route]));
  for (const node of graph.nodes) {
    if (!(node.op instanceof LinearOp)) continue;
    const w = node.op.shape.weight;
    const r = w === null ? undefined : byWeight.get(w);
    node.op.route = r === 'structured' ? 'structured' : 'gradients';
  }
}

/**
 * FLOPs of the Jacobian NTK of `model` (a tf.LayersModel or an ntk-lab Mlp) on n1 x n2 examples (n2 omitted: the
 * symmetric kernel of n1 examples), per layer and in total: executed by the routes chosen (opts.convolutions,
 * default 'auto'; opts.tile: in blocks of that many examples, whose passes repeat) and the minimal count of Novak
 * et al. 2022; see NtkCost. Pure functions are not countable.
 */
export function ntkCost(
  model: tfl.LayersModel | Mlp,
  n1: number,
  n2?: number,
  opts: { outputs?: OutputLayout; convolutions?: ConvolutionsOption; tile?: number } = {},
): NtkCost {
  for (const [name, v] of [['n1', n1], ['n2', n2], ['tile', opts.tile]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new InvalidOptionError(`ntkCost: ${name} must be a positive integer number of examples, got ${String(v)}`);
  }
  const layout = opts.outputs ?? 'trace';
  if (!['trace', 'full', 'diagonal'].includes(layout)) throw new InvalidOptionError(`outputs must be 'trace' | 'full' | 'diagonal', got '${String(layout)}'`);
  const graph = buildGraph(model instanceof Mlp ? model.model : model);
  return countGraph(graph, n1, n2, layout, opts.convolutions ?? 'auto', opts.tile);
}
