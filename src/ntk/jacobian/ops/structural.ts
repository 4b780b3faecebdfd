/**
 * Ops that only move or combine values: identity (Flatten, Reshape, Dropout and noise layers in inference
 * mode), weighted sums of same-shaped inputs (Add, Subtract, Average) and Concatenate along an axis.
 */
import { axpy } from './channels';
import { Scratch } from './scratch';
import { BackwardArgs, BackwardResult, Op, sizeOf } from './types';

/** y = x, reshaped: values are row-major, so the data is shared. */
export class IdentityOp implements Op {
  readonly params = [];
  readonly inShapes: number[][];

  constructor(
    readonly layer: string,
    inShape: number[],
    readonly outShape: number[],
  ) {
    this.inShapes = [inShape];
  }

  forward(inputs: Float32Array[]): Float32Array {
    return inputs[0];
  }

  backward(args: BackwardArgs): BackwardResult {
    return { dIn: [args.needInputs ? args.dOut : null], factors: [], sums: [] };
  }

  jvp(tangents: (Float32Array | null)[], _p: Float32Array[], n: number): Float32Array {
    return tangents[0] ?? new Float32Array(n * sizeOf(this.outShape));
  }

  release(): void {}

  bytesPerExample(): number {
    return 0;
  }
}

/** y = sum_j c_j x_j over same-shaped inputs. */
export class SumOp implements Op {
  readonly params = [];
  readonly inShapes: number[][];

  constructor(
    readonly layer: string,
    readonly outShape: number[],
    private readonly coefficients: number[],
  ) {
    this.inShapes = coefficients.map(() => outShape);
  }

  // Reused buffers and plain loops: fresh arrays and TypedArray.map with a closure took 128-169 ms of a
  // 1 s ResNet-block NTK (n = 500, 28x28x16); see bench/jacobian part 2b.
  private readonly scratch = new Scratch();

  private combine(xs: (Float32Array | null)[], length: number, key: string): Float32Array {
    const y = this.scratch.zeros(key, length);
    for (let j = 0; j < xs.length; j++) {
      const x = xs[j];
      if (!x) continue;
      axpy(this.coefficients[j], x, y, length);
    }
    return y;
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    return this.combine(inputs, n * sizeOf(this.outShape), 'y');
  }

  backward(args: BackwardArgs): BackwardResult {
    if (!args.needInputs) return { dIn: this.coefficients.map(() => null), factors: [], sums: [] };
    const d = args.dOut;
    const dIn = this.coefficients.map((c, j) => {
      // Only the first input may share dOut: consumers scale their cotangents in place.
      if (c === 1 && j === 0) return d;
      const g = this.scratch.zeros(`dIn${j}`, d.length);
      axpy(c, d, g);
      return g;
    });
    return { dIn, factors: [], sums: [] };
  }

  jvp(tangents: (Float32Array | null)[], _p: Float32Array[], n: number): Float32Array {
    return this.combine(tangents, n * sizeOf(this.outShape), 'jvp');
  }

  release(): void {}

  bytesPerExample(stack: number): number {
    return 4 * sizeOf(this.outShape) * (1 + stack * this.coefficients.length);
  }
}

/** Concatenation along `axis` (of the per-example shape). */
export class ConcatOp implements Op {
  readonly params = [];
  private readonly outer: number;
  private readonly inner: number[];
  private readonly outInner: number;

  constructor(
    readonly layer: string,
    readonly inShapes: number[][],
    readonly outShape: number[],
    axis: number,
  ) {
    this.outer = sizeOf(outShape.slice(0, axis));
    this.inner = inShapes.map((s) => sizeOf(s.slice(axis)));
    this.outInner = sizeOf(outShape.slice(axis));
  }

  private join(xs: (Float32Array | null)[], rows: number): Float32Array {
    const y = new Float32Array(rows * this.outer * this.outInner);
    for (let r = 0; r < rows * this.outer; r++) {
      let o = r * this.outInner;
      xs.forEach((x, j) => {
        const w = this.inner[j];
        if (x) y.set(x.subarray(r * w, (r + 1) * w), o);
        o += w;
      });
    }
    return y;
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    return this.join(inputs, n);
  }

  backward(args: BackwardArgs): BackwardResult {
    const rows = args.n * args.stack;
    if (!args.needInputs) return { dIn: this.inner.map(() => null), factors: [], sums: [] };
    const dIn = this.inner.map((w) => new Float32Array(rows * this.outer * w));
    for (let r = 0; r < rows * this.outer; r++) {
      let o = r * this.outInner;
      this.inner.forEach((w, j) => {
        dIn[j].set(args.dOut.subarray(o, o + w), r * w);
        o += w;
      });
    }
    return { dIn, factors: [], sums: [] };
  }

  jvp(tangents: (Float32Array | null)[], _p: Float32Array[], n: number): Float32Array {
    return this.join(tangents, n);
  }

  release(): void {}

  bytesPerExample(stack: number): number {
    return 4 * sizeOf(this.outShape) * (1 + 2 * stack);
  }
}
