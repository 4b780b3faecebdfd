/**
 * Max and average pooling (1-D, 2-D, global) on channels-last inputs. Max pooling keeps, per output value,
 * the index of the input it came from (the first maximum), so both modes are a gather / scatter; average
 * pooling divides by the number of inputs inside the window (padding excluded, as TensorFlow).
 */
import type { Window } from '../../../linalg/im2col';
import { Scratch } from './scratch';
import { BackwardArgs, BackwardResult, Op, sizeOf } from './types';

export class PoolOp implements Op {
  readonly inShapes: number[][];
  readonly params = [];
  private readonly inSize: number;
  private readonly outSize: number;
  private argmax: Int32Array | null = null;
  private counts: Float32Array | null = null;
  private readonly scratch = new Scratch();

  constructor(
    readonly layer: string,
    inShape: number[],
    readonly outShape: number[],
    private readonly w: Window,
    private readonly mode: 'max' | 'avg',
  ) {
    this.inShapes = [inShape];
    this.inSize = sizeOf(inShape);
    this.outSize = sizeOf(outShape);
    if (this.outSize !== w.outH * w.outW * w.channels) throw new Error(`PoolOp '${layer}': output size mismatch`);
  }

  /** Calls fn(outIndex, inIndex) for every input inside every output's window of one example (flat per-example indices). */
  private each(fn: (o: number, q: number) => void): void {
    const { inH, inW, channels: c, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = this.w;
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padTop + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padLeft + kx * dw;
            if (ix < 0 || ix >= inW) continue;
            for (let ch = 0; ch < c; ch++) fn((oy * outW + ox) * c + ch, (iy * inW + ix) * c + ch);
          }
        }
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    const x = inputs[0];
    const y = this.scratch.zeros('y', n * this.outSize);
    if (this.mode === 'avg') {
      if (!this.counts) {
        const counts = new Float32Array(this.outSize);
        this.each((o) => counts[o]++);
        this.counts = counts;
      }
      const counts = this.counts;
      for (let i = 0; i < n; i++) {
        const xo = i * this.inSize;
        const yo = i * this.outSize;
        this.each((o, q) => (y[yo + o] += x[xo + q]));
        for (let o = 0; o < this.outSize; o++) y[yo + o] /= counts[o];
      }
      return y;
    }
    const arg = this.scratch.i32('argmax', n * this.outSize).fill(-1);
    y.fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const xo = i * this.inSize;
      const yo = i * this.outSize;
      this.each((o, q) => {
        if (x[xo + q] > y[yo + o]) {
          y[yo + o] = x[xo + q];
          arg[yo + o] = q;
        }
      });
    }
    this.argmax = arg;
    return y;
  }

  /** The linear map of the op (at the forward point) applied to rows of a stacked [n * stack, inSize] tangent. */
  private linear(t: Float32Array, n: number, stack: number): Float32Array {
    const out = new Float32Array(n * stack * this.outSize);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < stack; a++) {
        const r = i * stack + a;
        const to = r * this.inSize;
        const oo = r * this.outSize;
        if (this.mode === 'max') {
          const arg = this.argmax!;
          for (let o = 0; o < this.outSize; o++) out[oo + o] = t[to + arg[i * this.outSize + o]];
        } else {
          const counts = this.counts!;
          this.each((o, q) => (out[oo + o] += t[to + q] / counts[o]));
        }
      }
    return out;
  }

  backward(args: BackwardArgs): BackwardResult {
    if (!args.needInputs) return { dIn: [null], factors: [], sums: [] };
    const { n, stack, dOut } = args;
    const dIn = this.scratch.zeros('dIn', n * stack * this.inSize);
    for (let i = 0; i < n; i++)
      for (let a = 0; a < stack; a++) {
        const r = i * stack + a;
        const io = r * this.inSize;
        const oo = r * this.outSize;
        if (this.mode === 'max') {
          const arg = this.argmax!;
          for (let o = 0; o < this.outSize; o++) dIn[io + arg[i * this.outSize + o]] += dOut[oo + o];
        } else {
          const counts = this.counts!;
          this.each((o, q) => (dIn[io + q] += dOut[oo + o] / counts[o]));
        }
      }
    return { dIn: [dIn], factors: [], sums: [] };
  }

  jvp(tangents: (Float32Array | null)[], _p: Float32Array[], n: number): Float32Array {
    return tangents[0] ? this.linear(tangents[0], n, 1) : new Float32Array(n * this.outSize);
  }

  release(): void {
    this.argmax = null;
  }

  bytesPerExample(stack: number): number {
    return 4 * (this.outSize * (2 + stack) + this.inSize * stack);
  }
}
