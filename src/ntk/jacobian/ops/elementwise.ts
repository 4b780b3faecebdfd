/**
 * Activations. Elementwise ones keep the slope phi'(z) from the forward pass: backward and forward mode are
 * then products with it. Those of ntk-lab's table (relu, tanh, sigmoid, softplus, gelu, erf, linear) run in
 * TypeScript; any other tfjs activation runs through tfjs, its slope being tf.grad of sum(phi(z)) (exact for an
 * elementwise function). Softmax (over the last axis) has the symmetric Jacobian diag(y) - y y^T.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS, activation } from '../../../models';
import { biasActivate, deactivate } from './bias-activation';
import { Scratch } from './scratch';
import { BackwardArgs, BackwardResult, Op, sizeOf } from './types';

/** An elementwise function as tfjs-layers holds it (layer.activation). */
export interface TfActivation {
  apply(x: tf.Tensor): tf.Tensor;
  getClassName(): string;
}

/** Multiplies stacked cotangents [n * stack, size] in place by per-example slopes [n, size] (relu: by y > 0). */
function scaleBySlope(d: Float32Array, slope: Float32Array, n: number, stack: number, size: number, relu: boolean): Float32Array {
  // The linear op's pass with one position (in C when the addon is loaded; the same products either way).
  deactivate(d, slope, relu, { n, stack, P: 1, cout: size, bm: 1 }, null);
  return d;
}

export class ElementwiseOp implements Op {
  readonly inShapes: number[][];
  readonly params = [];
  /** phi'(z), or for relu the output y itself (phi'(z) = [y > 0]). */
  private slope: Float32Array | null = null;
  private readonly size: number;
  private readonly scratch = new Scratch();

  /**
   * `fused`: the input is the private pre-activation of the same layer (read by no other op), so the output
   * may overwrite it. Reverse passes scale their cotangent in place: an activation's output cotangent is never kept.
   */
  constructor(
    readonly layer: string,
    readonly outShape: number[],
    private readonly name: string,
    private readonly fallback: TfActivation | null,
    private readonly fused = false,
  ) {
    this.inShapes = [outShape];
    this.size = sizeOf(outShape);
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    const z = inputs[0];
    if (this.name === 'relu') {
      const y = this.fused ? z : this.scratch.f32('y', z.length);
      if (y !== z) y.set(z);
      // The linear op's relu pass without a bias: y = (z + |z|) / 2, phi'(z) = [y > 0].
      biasActivate(y, n, this.size, null, 1, 'relu', this.scratch);
      this.slope = y;
      return y;
    }
    if ((ACTIVATIONS as readonly string[]).includes(this.name)) {
      const act = activation(this.name);
      const slope = this.scratch.f32('slope', z.length);
      const y = this.fused ? z : this.scratch.f32('y', z.length);
      for (let q = 0; q < z.length; q++) {
        const v = z[q];
        slope[q] = act.df(v);
        y[q] = act.f(v);
      }
      this.slope = slope;
      return y;
    }
    const fn = this.fallback!;
    const [y, slope] = tf.tidy(() => {
      const t = tf.tensor(z, [n, ...this.outShape]);
      const [value, grad] = [fn.apply(t), tf.grad((u: tf.Tensor) => tf.sum(fn.apply(u)))(t)];
      return [value.dataSync() as Float32Array, grad.dataSync() as Float32Array];
    });
    this.slope = Float32Array.from(slope);
    return Float32Array.from(y);
  }

  backward(args: BackwardArgs): BackwardResult {
    const dIn = args.needInputs ? scaleBySlope(args.dOut, this.slope!, args.n, args.stack, this.size, this.name === 'relu') : null;
    return { dIn: [dIn], factors: [], sums: [] };
  }

  jvp(tangents: (Float32Array | null)[], _p: Float32Array[], n: number): Float32Array {
    const t = tangents[0];
    return t ? scaleBySlope(Float32Array.from(t), this.slope!, n, 1, this.size, this.name === 'relu') : new Float32Array(n * this.size);
  }

  release(): void {
    this.slope = null;
  }

  bytesPerExample(): number {
    return 4 * this.size * (this.fused ? 1 : 2);
  }
}

/** softmax over the last axis; backward and forward mode dz = y o (dy - <dy, y>) row by row. */
export class SoftmaxOp implements Op {
  readonly inShapes: number[][];
  readonly params = [];
  private y: Float32Array | null = null;
  private readonly size: number;
  private readonly last: number;

  constructor(
    readonly layer: string,
    readonly outShape: number[],
  ) {
    this.inShapes = [outShape];
    this.size = sizeOf(outShape);
    this.last = outShape[outShape.length - 1];
  }

  forward(inputs: Float32Array[]): Float32Array {
    const z = inputs[0];
    const y = new Float32Array(z.length);
    const L = this.last;
    for (let r = 0; r < z.length / L; r++) {
      let max = -Infinity;
      for (let j = 0; j < L; j++) max = Math.max(max, z[r * L + j]);
      let s = 0;
      for (let j = 0; j < L; j++) s += y[r * L + j] = Math.exp(z[r * L + j] - max);
      for (let j = 0; j < L; j++) y[r * L + j] /= s;
    }
    this.y = y;
    return y;
  }

  private apply(d: Float32Array, n: number, stack: number): Float32Array {
    const y = this.y!;
    const L = this.last;
    const out = new Float32Array(d.length);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < stack; a++)
        for (let g = 0; g < this.size / L; g++) {
          const yo = i * this.size + g * L;
          const o = (i * stack + a) * this.size + g * L;
          let dot = 0;
          for (let j = 0; j < L; j++) dot += d[o + j] * y[yo + j];
          for (let j = 0; j < L; j++) out[o + j] = y[yo + j] * (d[o + j] - dot);
        }
    return out;
  }

  backward(args: BackwardArgs): BackwardResult {
    return { dIn: [args.needInputs ? this.apply(args.dOut, args.n, args.stack) : null], factors: [], sums: [] };
  }

  jvp(tangents: (Float32Array | null)[], _p: Float32Array[], n: number): Float32Array {
    return tangents[0] ? this.apply(tangents[0], n, 1) : new Float32Array(n * this.size);
  }

  release(): void {
    this.y = null;
  }

  bytesPerExample(stack: number): number {
    return 4 * this.size * (2 + stack);
  }
}
