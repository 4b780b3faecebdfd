/**
 * LayerNormalization over the last axis (tfjs-layers' definition): at each position, xhat = (x - mean) r with
 * the mean and the population variance of the C values there, r = 1 / sqrt(var + eps), and y = gamma xhat + beta
 * (gamma: scale, beta: center, each optional). Unlike inference-mode batch normalisation the map is nonlinear in
 * x: the input cotangent is r (g - mean(g) - xhat mean(g xhat)) with g = gamma d. Per-example gradients are
 * 'rows' factors of C values: d gamma = sum_p xhat(p) d(p), d beta = sum_p d(p).
 */
import { Scratch } from './scratch';
import { type ScaleShiftSpec, scaleShiftGradients } from './scale-shift';
import { BackwardArgs, BackwardResult, Op, ParamInfo, sizeOf } from './types';

export interface LayerNormSpec extends ScaleShiftSpec {
  layer: string;
  shape: number[];
}

export class LayerNormOp implements Op {
  readonly layer: string;
  readonly inShapes: number[][];
  readonly outShape: number[];
  readonly params: ParamInfo[] = [];
  private readonly C: number;
  private readonly P: number;
  private readonly gamma: Float32Array;
  private readonly beta: Float32Array | null;
  private readonly scratch = new Scratch();
  /** The forward pass's xhat [n P, C] and r [n P]. */
  private xhat: Float32Array | null = null;
  private r: Float32Array | null = null;

  constructor(private readonly spec: LayerNormSpec) {
    this.layer = spec.layer;
    this.inShapes = [spec.shape];
    this.outShape = spec.shape;
    this.C = spec.shape[spec.shape.length - 1];
    this.P = sizeOf(spec.shape) / this.C;
    this.gamma = spec.gamma ?? new Float32Array(this.C).fill(1);
    this.beta = spec.beta;
    if (spec.labels.gamma) this.params.push({ label: spec.labels.gamma, size: this.C });
    if (spec.labels.beta) this.params.push({ label: spec.labels.beta, size: this.C });
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    const x = inputs[0];
    const { C, gamma, beta } = this;
    const positions = n * this.P;
    const xhat = this.scratch.f32('xhat', positions * C);
    const r = this.scratch.f32('r', positions);
    const y = this.scratch.f32('y', positions * C);
    for (let p = 0; p < positions; p++) {
      const o = p * C;
      let mean = 0;
      for (let c = 0; c < C; c++) mean += x[o + c];
      mean /= C;
      let v = 0;
      for (let c = 0; c < C; c++) v += (x[o + c] - mean) * (x[o + c] - mean);
      const inv = 1 / Math.sqrt(v / C + this.spec.epsilon);
      r[p] = inv;
      for (let c = 0; c < C; c++) {
        const h = (x[o + c] - mean) * inv;
        xhat[o + c] = h;
        y[o + c] = h * gamma[c] + (beta ? beta[c] : 0);
      }
    }
    this.xhat = xhat;
    this.r = r;
    return y;
  }

  backward(args: BackwardArgs): BackwardResult {
    const { n, stack, dOut } = args;
    const { C, P, gamma } = this;
    const xhat = this.xhat!;
    const r = this.r!;
    const rows = n * stack;
    let dIn: Float32Array | null = null;
    if (args.needInputs) {
      dIn = this.scratch.f32('dIn', rows * P * C);
      for (let row = 0; row < rows; row++) {
        const i = Math.floor(row / stack);
        for (let p = 0; p < P; p++) {
          const o = (row * P + p) * C;
          const h = (i * P + p) * C;
          let mg = 0;
          let mgh = 0;
          for (let c = 0; c < C; c++) {
            const g = dOut[o + c] * gamma[c];
            mg += g;
            mgh += g * xhat[h + c];
          }
          mg /= C;
          mgh /= C;
          const inv = r[i * P + p];
          for (let c = 0; c < C; c++) dIn[o + c] = inv * (dOut[o + c] * gamma[c] - mg - xhat[h + c] * mgh);
        }
      }
    }
    const out: BackwardResult = { dIn: [dIn] };
    if (args.params === 'none' || !this.params.length) return out;
    const gG = this.spec.labels.gamma ? this.scratch.zeros('gamma', rows * C) : null;
    const gB = this.spec.labels.beta ? this.scratch.zeros('beta', rows * C) : null;
    Object.assign(out, scaleShiftGradients(args, { xhat }, P, C, gG, gB));
    return out;
  }

  jvp(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    const { C, P, gamma } = this;
    const xhat = this.xhat!;
    const r = this.r!;
    const t = tangents[0];
    const hasGamma = this.spec.labels.gamma !== null;
    const ug = hasGamma && paramTangents.length ? paramTangents[0] : null;
    const ub = this.spec.labels.beta !== null && paramTangents.length ? paramTangents[hasGamma ? 1 : 0] : null;
    const z = this.scratch.zeros('jvp', n * P * C);
    for (let p = 0; p < n * P; p++) {
      const o = p * C;
      if (t) {
        // d xhat = r (t - mean(t) - xhat mean(t xhat)).
        let mt = 0;
        let mth = 0;
        for (let c = 0; c < C; c++) {
          mt += t[o + c];
          mth += t[o + c] * xhat[o + c];
        }
        mt /= C;
        mth /= C;
        for (let c = 0; c < C; c++) z[o + c] = gamma[c] * r[p] * (t[o + c] - mt - xhat[o + c] * mth);
      }
      if (ug) for (let c = 0; c < C; c++) z[o + c] += ug[c] * xhat[o + c];
      if (ub) for (let c = 0; c < C; c++) z[o + c] += ub[c];
    }
    return z;
  }

  release(): void {
    this.xhat = null;
    this.r = null;
  }

  bytesPerExample(stack: number): number {
    const size = this.P * this.C;
    return 4 * (size * (2 + stack) + this.P + this.C * stack * this.params.length);
  }
}
