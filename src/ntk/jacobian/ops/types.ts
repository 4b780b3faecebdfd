/**
 * The engine's unit of work: an Op is one differentiable step of a model (a layer, or the linear part or the
 * activation of a layer), on float32 row-major batches. Values are [n, ...shape]; cotangents are stacked
 * [n * s, ...shape] with row i*s + a (s = k outputs for Jacobians, s = 1 for vector products).
 */
import { Factor } from '../factors';

/** A trainable parameter tensor as the kernel reports it. */
export interface ParamInfo {
  /** Component label, e.g. 'conv2d_1/kernel' (a LayersModel) or 'layer1/weight' (an ntk-lab Mlp). */
  label: string;
  /** Number of scalars in the tensor. */
  size: number;
}

/** What a backward pass hands an op: the examples' count, the stack s, and the cotangent of its output. */
export interface BackwardArgs {
  n: number;
  stack: number;
  /** Cotangent of the op's output: [n * stack, ...outShape]. */
  dOut: Float32Array;
  /** Whether the op must also produce per-example parameter factors (Jacobian) or summed gradients (vp). */
  params: 'factors' | 'sum' | 'none';
  /** Whether cotangents of the inputs are needed (false for ops fed only by the model input). */
  needInputs: boolean;
}

/** What a backward pass gives back. */
export interface BackwardResult {
  /** Cotangent of each input ([n * stack, ...inShape]) or null where not needed / not differentiable. */
  dIn: (Float32Array | null)[];
  /** Per parameter tensor (in `params` order): its per-example factor (params 'factors'). */
  factors?: Factor[];
  /** Per parameter tensor: the gradient summed over examples and the stack (params 'sum'), flat. */
  sums?: Float32Array[];
}

/** One step of the forward computation with its reverse (and forward-mode, for NTK-vector products) rules. */
export interface Op {
  /** The layer this op comes from (for messages). */
  readonly layer: string;
  /** Per-example shapes of the inputs and the output. */
  readonly inShapes: readonly (readonly number[])[];
  readonly outShape: readonly number[];
  /** Trainable parameter tensors of this op (empty for most). */
  readonly params: readonly ParamInfo[];
  /** Computes the output of n examples; may keep what backward/jvp need until `release`. */
  forward(inputs: Float32Array[], n: number): Float32Array;
  /** Reverse mode after `forward` on the same examples. */
  backward(args: BackwardArgs): BackwardResult;
  /** Forward mode after `forward`: tangent of the output from tangents of the inputs (null = zero) and of the params. */
  jvp(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array;
  /** Frees what forward kept. */
  release(): void;
  /** Float32 values kept per example between forward and backward, and temporary values per example, for budgets. */
  bytesPerExample(stack: number): number;
}

/** Product of a shape's entries (1 for []). */
export function sizeOf(shape: readonly number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}
