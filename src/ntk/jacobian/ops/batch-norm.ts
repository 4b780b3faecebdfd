/**
 * BatchNormalization in inference mode on the last (channel) axis: y = gamma (x - mean) / sqrt(var + eps) + beta
 * with the moving statistics as constants (an NTK is a kernel of the network as evaluated, not as trained).
 * Per-example gradients are 'rows' factors of C values each: d gamma_c = sum_p xhat(p, c) d(p, c), d beta_c =
 * sum_p d(p, c), formed in one pass over the cotangents (the generic tfjs path takes one reverse pass per example).
 */
import { channelAffine } from './channels';
import { Scratch } from './scratch';
import { type ScaleShiftSpec, scaleShiftGradients } from './scale-shift';
import { BackwardArgs, BackwardResult, Op, ParamInfo, sizeOf } from './types';

export interface BatchNormSpec extends ScaleShiftSpec {
  layer: string;
  shape: number[];
  /** Per channel: moving mean and variance. */
  mean: Float32Array;
  variance: Float32Array;
}

export class BatchNormOp implements Op {
  readonly layer: string;
  readonly inShapes: number[][];
  readonly outShape: number[];
  readonly params: ParamInfo[] = [];
  private readonly C: number;
  private readonly P: number;
  /** y = x a + b per channel; xhat = (x - mean) inv. */
  private readonly a: Float32Array;
  private readonly b: Float32Array;
  private readonly inv: Float32Array;
  private readonly mean: Float32Array;
  private readonly scratch = new Scratch();
  private input: Float32Array | null = null;
  private readonly hasGamma: boolean;
  private readonly hasBeta: boolean;

  constructor(spec: BatchNormSpec) {
    this.layer = spec.layer;
    this.inShapes = [spec.shape];
    this.outShape = spec.shape;
    this.C = spec.shape[spec.shape.length - 1];
    this.P = sizeOf(spec.shape) / this.C;
    this.mean = spec.mean;
    this.inv = spec.variance.map((v) => 1 / Math.sqrt(v + spec.epsilon));
    this.a = this.inv.map((s, c) => s * (spec.gamma ? spec.gamma[c] : 1));
    this.b = this.a.map((a, c) => (spec.beta ? spec.beta[c] : 0) - spec.mean[c] * a);
    this.hasGamma = spec.labels.gamma !== null;
    this.hasBeta = spec.labels.beta !== null;
    if (spec.labels.gamma) this.params.push({ label: spec.labels.gamma, size: this.C });
    if (spec.labels.beta) this.params.push({ label: spec.labels.beta, size: this.C });
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    const x = inputs[0];
    this.input = x;
    const { C, a, b } = this;
    const y = this.scratch.f32('y', n * this.P * C);
    channelAffine(x, n * this.P, C, a, b, y);
    return y;
  }

  backward(args: BackwardArgs): BackwardResult {
    const { n, stack, dOut } = args;
    const { C, P, a } = this;
    const size = P * C;
    let dIn: Float32Array | null = null;
    if (args.needInputs) {
      dIn = this.scratch.f32('dIn', n * stack * size);
      channelAffine(dOut, n * stack * P, C, a, null, dIn);
    }
    const out: BackwardResult = { dIn: [dIn] };
    if (args.params === 'none' || !this.params.length) return out;
    const gG = this.hasGamma ? this.scratch.zeros('gamma', n * stack * C) : null;
    const gB = this.hasBeta ? this.scratch.zeros('beta', n * stack * C) : null;
    Object.assign(out, scaleShiftGradients(args, { x: this.input!, mean: this.mean, inv: this.inv }, P, C, gG, gB));
    return out;
  }

  jvp(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    const { C, P, a, mean, inv } = this;
    const t = tangents[0];
    const z = this.scratch.zeros('jvp', n * P * C);
    const ug = this.hasGamma && paramTangents.length ? paramTangents[0] : null;
    const ub = this.hasBeta && paramTangents.length ? paramTangents[this.hasGamma ? 1 : 0] : null;
    const x = this.input!;
    for (let q = 0; q < z.length; q += C) {
      for (let c = 0; c < C; c++) {
        let v = t ? t[q + c] * a[c] : 0;
        if (ug) v += ug[c] * (x[q + c] - mean[c]) * inv[c];
        if (ub) v += ub[c];
        z[q + c] = v;
      }
    }
    return z;
  }

  release(): void {
    this.input = null;
  }

  bytesPerExample(stack: number): number {
    return 4 * this.P * this.C * (1 + stack) + 4 * this.C * stack * this.params.length;
  }
}
