/**
 * The linear part of Dense, ntk-lab's ScaledDense, Conv1D and Conv2D layers: z(p) = wm patch(p) W + bm b over
 * positions p (a Dense on [n, din] has one position; on [n, T, din] T positions; a convolution's patches come
 * from im2col). Products run on OpenBLAS; per-example weight gradients are the 'outer' or 'patch' factors.
 */
import { Matrix, matmul } from '../../../linalg';
import { Factor } from '../factors';
import { Window, col2im, im2col } from './geometry';
import { BackwardArgs, BackwardResult, Op, ParamInfo, sizeOf } from './types';

/** How one op's input becomes patches: a convolution window, or none (a Dense: the input rows are the patches). */
export type Patches = { kind: 'dense' } | { kind: 'conv'; window: Window };

export interface LinearSpec {
  layer: string;
  inShape: number[];
  outShape: number[];
  /** Kernel as a [C, cout] row-major matrix (a conv kernel [kh, kw, cin, cout] flattened). */
  W: Float32Array;
  C: number;
  cout: number;
  b: Float32Array | null;
  /** Forward multipliers of W and b (1 but for ntk-lab's NTK parameterisation). */
  wm: number;
  bm: number;
  patches: Patches;
  labels: { weight: string; bias: string | null };
  /** False for a frozen layer: its weights are constants, not NTK parameters. */
  trainable: boolean;
}

/** Values of im2col buffers formed at once (16 MB): large convolutions are processed in sub-batches. */
const PATCH_BUFFER = 1 << 22;

function mat(rows: number, cols: number, data: Float32Array): Matrix<Float32Array> {
  return { rows, cols, data };
}

export class LinearOp implements Op {
  readonly layer: string;
  readonly inShapes: number[][];
  readonly outShape: number[];
  readonly params: ParamInfo[];
  private readonly s: LinearSpec;
  private readonly P: number;
  private readonly inSize: number;
  private input: Float32Array | null = null;

  constructor(spec: LinearSpec) {
    this.s = spec;
    this.layer = spec.layer;
    this.inShapes = [spec.inShape];
    this.outShape = spec.outShape;
    this.inSize = sizeOf(spec.inShape);
    this.P = sizeOf(spec.outShape) / spec.cout;
    this.params = spec.trainable ? [{ label: spec.labels.weight, size: spec.C * spec.cout }] : [];
    if (spec.trainable && spec.b && spec.labels.bias) this.params.push({ label: spec.labels.bias, size: spec.cout });
  }

  private chunk(): number {
    return Math.max(1, Math.floor(PATCH_BUFFER / (this.P * this.s.C)));
  }

  /** Patches of examples i0..i1 of x: [(i1 - i0) P, C] (the input itself for a Dense). */
  private patchesOf(x: Float32Array, i0: number, i1: number, buf?: Float32Array): Float32Array {
    const { patches, C } = this.s;
    if (patches.kind === 'dense') return x.subarray(i0 * this.inSize, i1 * this.inSize);
    const out = buf ?? new Float32Array((i1 - i0) * this.P * C);
    for (let i = i0; i < i1; i++) im2col(patches.window, x, i * this.inSize, out.subarray((i - i0) * this.P * C));
    return out;
  }

  /** z = wm patches W (+ wm patches U for a tangent), for all examples of x, by sub-batches. */
  private apply(x: Float32Array, n: number, W: Float32Array, z: Float32Array, alpha: number): void {
    const { C, cout } = this.s;
    const step = this.s.patches.kind === 'dense' ? n : this.chunk();
    const buf = this.s.patches.kind === 'dense' ? undefined : new Float32Array(Math.min(step, n) * this.P * C);
    for (let i0 = 0; i0 < n; i0 += step) {
      const i1 = Math.min(n, i0 + step);
      const p = this.patchesOf(x, i0, i1, buf?.subarray(0, (i1 - i0) * this.P * C));
      const r = matmul(mat((i1 - i0) * this.P, C, p), mat(C, cout, W), { alpha, checkFinite: false });
      const zc = z.subarray(i0 * this.P * cout, i1 * this.P * cout);
      for (let q = 0; q < zc.length; q++) zc[q] += r.data[q];
    }
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    const { cout, b, bm, wm, W } = this.s;
    this.input = inputs[0];
    const z = new Float32Array(n * this.P * cout);
    if (b) for (let r = 0; r < n * this.P; r++) for (let o = 0; o < cout; o++) z[r * cout + o] = bm * b[o];
    this.apply(inputs[0], n, W, z, wm);
    return z;
  }

  backward(args: BackwardArgs): BackwardResult {
    const { n, stack, dOut } = args;
    const { C, cout, wm, W, patches } = this.s;
    const x = this.input!;
    const rows = n * stack;
    let dIn: Float32Array | null = null;
    if (args.needInputs) {
      if (patches.kind === 'dense') {
        dIn = matmul(mat(rows * this.P, cout, dOut), mat(C, cout, W), { transB: true, alpha: wm, checkFinite: false }).data;
      } else {
        dIn = new Float32Array(rows * this.inSize);
        const step = this.chunk();
        for (let r0 = 0; r0 < rows; r0 += step) {
          const r1 = Math.min(rows, r0 + step);
          const d = dOut.subarray(r0 * this.P * cout, r1 * this.P * cout);
          const cols = matmul(mat((r1 - r0) * this.P, cout, d), mat(C, cout, W), { transB: true, alpha: wm, checkFinite: false }).data;
          for (let r = r0; r < r1; r++) col2im(patches.window, cols, (r - r0) * this.P * C, dIn, r * this.inSize);
        }
      }
    }
    const out: BackwardResult = { dIn: [dIn] };
    if (args.params === 'factors' && this.params.length) out.factors = this.factors(x, n, stack, dOut);
    if (args.params === 'sum' && this.params.length) out.sums = this.sums(x, n, stack, dOut);
    return out;
  }

  private biasRows(rows: number, dOut: Float32Array): Float32Array {
    const { cout, bm } = this.s;
    const g = new Float32Array(rows * cout);
    for (let r = 0; r < rows; r++)
      for (let p = 0; p < this.P; p++) {
        const src = (r * this.P + p) * cout;
        for (let o = 0; o < cout; o++) g[r * cout + o] += bm * dOut[src + o];
      }
    return g;
  }

  private factors(x: Float32Array, n: number, stack: number, dOut: Float32Array): Factor[] {
    const { C, cout, wm, patches } = this.s;
    const out: Factor[] = [];
    if (this.P === 1) {
      out.push({ kind: 'outer', n, k: stack, h: x, hCols: C, d: dOut, dCols: cout, scale: wm * wm });
    } else {
      const fill =
        patches.kind === 'conv'
          ? (h: Float32Array, offset: number, buf: Float32Array) => im2col(patches.window, h, offset, buf)
          : (h: Float32Array, offset: number, buf: Float32Array) => buf.set(h.subarray(offset, offset + this.inSize));
      out.push({ kind: 'patch', n, k: stack, h: x, inSize: this.inSize, d: dOut, P: this.P, C, cout, scale: wm * wm, im2col: fill });
    }
    if (this.params.length > 1) out.push({ kind: 'rows', n, k: stack, g: this.biasRows(n * stack, dOut), cols: cout });
    return out;
  }

  private sums(x: Float32Array, n: number, stack: number, dOut: Float32Array): Float32Array[] {
    const { C, cout, wm } = this.s;
    const gW = new Float32Array(C * cout);
    const step = this.s.patches.kind === 'dense' ? n : this.chunk();
    for (let i0 = 0; i0 < n; i0 += step) {
      const i1 = Math.min(n, i0 + step);
      const p = this.patchesOf(x, i0, i1);
      for (let a = 0; a < stack; a++) {
        // The stacked cotangent rows of output a for examples i0..i1.
        const d = stack === 1 ? dOut.subarray(i0 * this.P * cout, i1 * this.P * cout) : strided(dOut, i0, i1, stack, a, this.P * cout);
        const g = matmul(mat((i1 - i0) * this.P, C, p), mat((i1 - i0) * this.P, cout, d), { transA: true, alpha: wm, checkFinite: false });
        for (let q = 0; q < gW.length; q++) gW[q] += g.data[q];
      }
    }
    const out = [gW];
    if (this.params.length > 1) {
      const rows = this.biasRows(n * stack, dOut);
      const gb = new Float32Array(cout);
      for (let r = 0; r < n * stack; r++) for (let o = 0; o < cout; o++) gb[o] += rows[r * cout + o];
      out.push(gb);
    }
    return out;
  }

  jvp(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    const { cout, wm, bm } = this.s;
    const z = new Float32Array(n * this.P * cout);
    if (tangents[0]) this.apply(tangents[0], n, this.s.W, z, wm);
    if (!this.params.length) return z;
    if (paramTangents.length > 1) {
      const ub = paramTangents[1];
      for (let r = 0; r < n * this.P; r++) for (let o = 0; o < cout; o++) z[r * cout + o] += bm * ub[o];
    }
    this.apply(this.input!, n, paramTangents[0], z, wm);
    return z;
  }

  release(): void {
    this.input = null;
  }

  bytesPerExample(stack: number): number {
    const out = this.P * this.s.cout;
    return 4 * (out * (1 + stack) + this.inSize * stack);
  }
}

/** Rows i*stack + a for i in i0..i1, each `width` long, gathered contiguously. */
function strided(d: Float32Array, i0: number, i1: number, stack: number, a: number, width: number): Float32Array {
  const out = new Float32Array((i1 - i0) * width);
  for (let i = i0; i < i1; i++) out.set(d.subarray((i * stack + a) * width, (i * stack + a + 1) * width), (i - i0) * width);
  return out;
}
