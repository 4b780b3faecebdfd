/**
 * What the FLOP count (src/ntk/jacobian/cost.ts) needs of an op whose output is bilinear in its input and its
 * weight but that is not a LinearOp (depthwise and transposed convolutions): its forward multiply-adds per
 * example (the input-cotangent pass and the per-example weight gradients cost the same per stacked row), and the
 * shape of its structured contraction (positions P, per-position lengths of the unstacked and stacked sides).
 */
import { Op } from './types';

export interface BilinearShape {
  /** Multiply-adds of one example's forward pass (weight part only). */
  macs: number;
  /** Positions P summed over in a per-example weight gradient. */
  positions: number;
  /** Per-position values of the input side (patch length) and of the cotangent side (channels) of that sum. */
  patch: number;
  channels: number;
  /** Labels of the weight and the bias (null: none or frozen). */
  weight: string | null;
  bias: string | null;
  /** Values of the bias (its gradient per stacked row is a sum over output positions). */
  biasSize: number;
}

/** An op that reports its bilinear shape. */
export interface BilinearOp extends Op {
  readonly bilinear: BilinearShape;
}

/** Whether `op` reports a bilinear shape. */
export function isBilinear(op: Op): op is BilinearOp {
  return (op as Partial<BilinearOp>).bilinear !== undefined;
}
