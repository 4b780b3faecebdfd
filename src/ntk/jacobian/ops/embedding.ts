/**
 * Embedding lookup: ids [T] -> rows of E [vocab, dim], giving [T, dim]. The ids are not differentiable; the
 * per-example gradient of E for output a is the scatter of the cotangent rows onto the looked-up ids, formed
 * densely as a 'rows' factor of vocab x dim values per (example, output).
 */
import { ShapeError } from '../../../errors';
import { Factor } from '../factors';
import { BackwardArgs, BackwardResult, Op, ParamInfo, sizeOf } from './types';

export class EmbeddingOp implements Op {
  readonly inShapes: number[][];
  readonly params: ParamInfo[];
  private readonly T: number;
  private ids: Int32Array | null = null;

  constructor(
    readonly layer: string,
    inShape: number[],
    readonly outShape: number[],
    private readonly E: Float32Array,
    private readonly vocab: number,
    private readonly dim: number,
    label: string,
  ) {
    this.inShapes = [inShape];
    this.T = sizeOf(inShape);
    this.params = [{ label, size: vocab * dim }];
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    const x = inputs[0];
    const ids = new Int32Array(x.length);
    for (let q = 0; q < x.length; q++) {
      const v = x[q];
      if (!Number.isInteger(v) || v < 0 || v >= this.vocab) {
        throw new ShapeError(
          `embedding '${this.layer}': expects integer ids in [0, ${this.vocab}), got ${v} at example ${Math.floor(q / this.T)}, position ${q % this.T}`,
        );
      }
      ids[q] = v;
    }
    this.ids = ids;
    const y = new Float32Array(n * this.T * this.dim);
    for (let q = 0; q < ids.length; q++) y.set(this.E.subarray(ids[q] * this.dim, (ids[q] + 1) * this.dim), q * this.dim);
    return y;
  }

  /** Adds cotangent rows r0.. (T x dim each) of stacked row r onto g[gOffset + id * dim]. */
  private scatter(dOut: Float32Array, r: number, i: number, g: Float32Array, gOffset: number): void {
    const { T, dim } = this;
    const ids = this.ids!;
    for (let t = 0; t < T; t++) {
      const src = (r * T + t) * dim;
      const dst = gOffset + ids[i * T + t] * dim;
      for (let c = 0; c < dim; c++) g[dst + c] += dOut[src + c];
    }
  }

  backward(args: BackwardArgs): BackwardResult {
    const { n, stack, dOut } = args;
    const out: BackwardResult = { dIn: [null] };
    const P = this.vocab * this.dim;
    if (args.params === 'factors') {
      const g = new Float32Array(n * stack * P);
      for (let i = 0; i < n; i++) for (let a = 0; a < stack; a++) this.scatter(dOut, i * stack + a, i, g, (i * stack + a) * P);
      const f: Factor = { kind: 'rows', n, k: stack, g, cols: P };
      out.factors = [f];
    } else if (args.params === 'sum') {
      const g = new Float32Array(P);
      for (let i = 0; i < n; i++) for (let a = 0; a < stack; a++) this.scatter(dOut, i * stack + a, i, g, 0);
      out.sums = [g];
    }
    return out;
  }

  jvp(_t: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    const U = paramTangents[0];
    const ids = this.ids!;
    const y = new Float32Array(n * this.T * this.dim);
    for (let q = 0; q < ids.length; q++) y.set(U.subarray(ids[q] * this.dim, (ids[q] + 1) * this.dim), q * this.dim);
    return y;
  }

  release(): void {
    this.ids = null;
  }

  bytesPerExample(stack: number): number {
    return 4 * (this.T * this.dim * (1 + stack) + this.T);
  }
}
