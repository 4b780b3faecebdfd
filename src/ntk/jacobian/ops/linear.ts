/**
 * The linear part of Dense, ntk-lab's ScaledDense, Conv1D and Conv2D layers: z(p) = wm patch(p) W + bm b over
 * positions p (a Dense on [n, din] has one position; on [n, T, din] T positions; a convolution's patches come
 * from im2col). Products run on OpenBLAS; per-example weight gradients are the 'outer' or 'patch' factors.
 * A convolution runs on the addon's direct kernels where they are vectorised (./direct-conv.ts): its forward pass
 * (with bias and relu), its stride-1 input cotangents and its per-example filter gradients read the images in
 * place, and no patch matrix of the batch is formed.
 */
import { Matrix, matmul } from '../../../linalg';
import { ActivationName } from '../../../models';
import { biasActivate, deactivate, slopeTimes } from './bias-activation';
import { ConvRoute, Factor } from '../factors';
import { type Window, im2col, packWindow } from '../../../linalg/im2col';
import { axpy } from './channels';
import { DirectConv, directConv } from './direct-conv';
import { col2im, transposedWindow } from './geometry';
import { profiled } from '../profile';
import { Scratch } from './scratch';
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
  /**
   * The layer's activation when it is one of ntk-lab's table (relu, tanh, ...): applied in the same pass as the
   * bias, and its slope in the same pass as the bias gradient, rather than by a separate op over the whole batch.
   */
  activation?: ActivationName;
}

/** The numbers of a linear op that its FLOP count needs (src/ntk/jacobian/cost.ts). */
export interface LinearShape {
  /** Positions P (1 for a Dense on vectors), patch length C (kh kw cin, or din), output channels. */
  P: number;
  C: number;
  cout: number;
  /** Values per example of the op's input. */
  inSize: number;
  weight: string | null;
  bias: string | null;
}

/** Values of the temporary input cotangents of a convolution formed at once (16 MB): col2im runs by sub-batches. */
const COLS_BUFFER = 1 << 22;

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
  /** The forward pass's patches [n P, C] (the input itself for a Dense), reused by the reverse pass. */
  private cols: Float32Array | null = null;
  /** For stride-1 convolutions: the window of the transposed convolution over dOut and the flipped kernel [kh kw cout, cin]. */
  private readonly transposed: { window: Window; Wflip: Float32Array } | null = null;
  private readonly scratch = new Scratch();
  /** phi'(z) of the forward pass (for relu the output itself: phi'(z) = [y > 0]); null without an activation. */
  private slope: Float32Array | null = null;
  private readonly relu: boolean;
  /** The direct convolution kernels for this pass (set by forward; null: im2col + OpenBLAS). */
  private direct: DirectConv | null = null;
  /**
   * How the kernel of a weight over several positions is contracted (set by the cost model before a pass):
   * 'gradients' forms per-example weight gradients, 'structured' keeps patches and deltas for patch-Gram x
   * delta-Gram products (and then the bias shares the delta Grams).
   */
  route: ConvRoute = 'gradients';

  constructor(spec: LinearSpec) {
    this.s = spec;
    this.layer = spec.layer;
    this.inShapes = [spec.inShape];
    this.outShape = spec.outShape;
    this.inSize = sizeOf(spec.inShape);
    this.P = sizeOf(spec.outShape) / spec.cout;
    this.params = spec.trainable ? [{ label: spec.labels.weight, size: spec.C * spec.cout }] : [];
    if (spec.trainable && spec.b && spec.labels.bias) this.params.push({ label: spec.labels.bias, size: spec.cout });
    if (spec.patches.kind === 'conv') this.transposed = transposedWindow(spec.patches.window, spec.W, spec.cout);
    this.relu = spec.activation === 'relu';
  }

  /** Whether this op is a convolution (its patches come from a sliding window). */
  get convolution(): boolean {
    return this.s.patches.kind === 'conv';
  }

  /** Shape numbers for the FLOP count. */
  get shape(): LinearShape {
    const { C, cout, labels } = this.s;
    return { P: this.P, C, cout, inSize: this.inSize, weight: this.params.length ? labels.weight : null, bias: this.params.length > 1 ? labels.bias : null };
  }

  /** Patches of all n examples of x: [n P, C] (x itself for a Dense), in the scratch buffer `key`. */
  private patchesOf(x: Float32Array, n: number, key = 'cols'): Float32Array {
    const { patches, C } = this.s;
    if (patches.kind === 'dense') return x;
    const out = this.scratch.f32(key, n * this.P * C);
    for (let i = 0; i < n; i++) im2col(patches.window, x, i * this.inSize, out.subarray(i * this.P * C));
    return out;
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    const { C, cout, wm, W, patches } = this.s;
    this.input = inputs[0];
    this.direct = patches.kind === 'conv' ? directConv() : null;
    if (this.direct && patches.kind === 'conv') return this.forwardDirect(this.direct, patches.window, inputs[0], n);
    this.cols = profiled(`${this.layer}:im2col`, () => this.patchesOf(inputs[0], n));
    const z = this.scratch.f32('z', n * this.P * cout);
    profiled(`${this.layer}:gemm`, () => matmul(mat(n * this.P, C, this.cols!), mat(C, cout, W), { alpha: wm, checkFinite: false, out: mat(n * this.P, cout, z) }));
    this.slope = profiled(`${this.layer}:activate`, () => biasActivate(z, n * this.P, cout, this.s.b, this.s.bm, this.s.activation ?? 'linear', this.scratch));
    return z;
  }

  /** The forward pass by the direct kernel, relu or a linear output (and the bias) fused into its stores. */
  private forwardDirect(direct: DirectConv, window: Window, x: Float32Array, n: number): Float32Array {
    const { cout, wm, W, b, bm } = this.s;
    this.cols = null;
    const z = this.scratch.f32('z', n * this.P * cout);
    const act = this.s.activation ?? 'linear';
    const fused = act === 'relu' || act === 'linear';
    const bias = fused && b ? b.map((v) => bm * v) : null;
    profiled(`${this.layer}:conv`, () => direct.convForward(packWindow(window), x, n, W, cout, wm, bias, act === 'relu', z));
    if (fused) this.slope = act === 'relu' ? z : null;
    else this.slope = profiled(`${this.layer}:activate`, () => biasActivate(z, n * this.P, cout, b, bm, act, this.scratch));
    return z;
  }

  backward(args: BackwardArgs): BackwardResult {
    const { n, stack, dOut } = args;
    const { C, cout, wm, W, patches } = this.s;
    const rows = n * stack;
    // An op's output cotangent is never kept by another op, so it becomes the pre-activation cotangent in place.
    // One position: the bias gradients are bm d, a 'shared' factor of the weight's, so no bias rows are formed.
    // So does a structured convolution's: its bias Gram is the sum of the weight's delta Grams.
    const sharedBias = args.params === 'factors' && (this.P === 1 || this.route === 'structured');
    const bias = this.params.length > 1 && args.params !== 'none' && !sharedBias ? this.scratch.zeros('bias', rows * cout) : null;
    profiled(`${this.layer}:activate`, () => deactivate(dOut, this.slope, this.relu, { n, stack, P: this.P, cout, bm: this.s.bm }, bias));
    let dIn: Float32Array | null = null;
    if (args.needInputs) {
      if (patches.kind === 'dense') {
        dIn = this.scratch.f32('dIn', rows * this.inSize);
        matmul(mat(rows * this.P, cout, dOut), mat(C, cout, W), { transB: true, alpha: wm, checkFinite: false, out: mat(rows * this.P, C, dIn) });
      } else if (this.transposed) {
        dIn = this.backwardByGather(rows, dOut);
      } else {
        dIn = this.scratch.zeros('dIn', rows * this.inSize);
        const step = Math.max(1, Math.floor(COLS_BUFFER / (this.P * C)));
        for (let r0 = 0; r0 < rows; r0 += step) {
          const r1 = Math.min(rows, r0 + step);
          const d = dOut.subarray(r0 * this.P * cout, r1 * this.P * cout);
          const cols = matmul(mat((r1 - r0) * this.P, cout, d), mat(C, cout, W), { transB: true, alpha: wm, checkFinite: false }).data;
          for (let r = r0; r < r1; r++) col2im(patches.window, cols, (r - r0) * this.P * C, dIn, r * this.inSize);
        }
      }
    }
    const out: BackwardResult = { dIn: [dIn] };
    if (args.params === 'factors' && this.params.length) out.factors = this.factors(n, stack, dOut, bias);
    if (args.params === 'sum' && this.params.length) out.sums = this.sums(n, stack, dOut, bias);
    return out;
  }

  /**
   * Input cotangents of a stride-1 convolution as a convolution of the output cotangents with the flipped kernel:
   * im2col of dOut then one product per sub-batch, writing each value once (col2im adds P C values per example).
   */
  private backwardByGather(rows: number, dOut: Float32Array): Float32Array {
    const { window: w, Wflip } = this.transposed!;
    const { cout, wm } = this.s;
    const cin = w.outW === 0 ? 0 : this.inSize / (w.outH * w.outW);
    const patch = w.kh * w.kw * cout;
    const positions = w.outH * w.outW;
    const dIn = this.scratch.f32('dIn', rows * this.inSize);
    if (this.direct) {
      // Each of the rows' cotangents is an image [outH, outW, cout]: one direct convolution over all of them.
      profiled(`${this.layer}:conv`, () => this.direct!.convForward(packWindow(w), dOut, rows, Wflip, cin, wm, null, false, dIn));
      return dIn;
    }
    const step = Math.max(1, Math.floor(COLS_BUFFER / (positions * patch)));
    const buf = this.scratch.f32('gather', Math.min(step, rows) * positions * patch);
    for (let r0 = 0; r0 < rows; r0 += step) {
      const r1 = Math.min(rows, r0 + step);
      const cols = buf.subarray(0, (r1 - r0) * positions * patch);
      profiled(`${this.layer}:im2col`, () => {
        for (let r = r0; r < r1; r++) im2col(w, dOut, r * this.P * cout, cols.subarray((r - r0) * positions * patch));
      });
      const out = mat((r1 - r0) * positions, cin, dIn.subarray(r0 * this.inSize, r1 * this.inSize));
      profiled(`${this.layer}:gemm`, () => matmul(mat((r1 - r0) * positions, patch, cols), mat(patch, cin, Wflip), { alpha: wm, checkFinite: false, out }));
    }
    return dIn;
  }

  /** Per-example weight gradients [(n stack), C cout]: G_i^a = wm patches_i^T d_i^a, one small product each. */
  private gradientRows(n: number, stack: number, dOut: Float32Array): Float32Array {
    const { C, cout, wm, patches } = this.s;
    const g = this.scratch.f32('grads', n * stack * C * cout);
    if (this.direct && patches.kind === 'conv') {
      this.direct.convFilterGrads(packWindow(patches.window), this.input!, n, stack, dOut, cout, wm, g);
      return g;
    }
    const cols = this.cols!;
    for (let i = 0; i < n; i++) {
      const p = mat(this.P, C, cols.subarray(i * this.P * C, (i + 1) * this.P * C));
      for (let a = 0; a < stack; a++) {
        const r = i * stack + a;
        const d = mat(this.P, cout, dOut.subarray(r * this.P * cout, (r + 1) * this.P * cout));
        matmul(p, d, { transA: true, alpha: wm, checkFinite: false, out: mat(C, cout, g.subarray(r * C * cout, (r + 1) * C * cout)) });
      }
    }
    return g;
  }

  private factors(n: number, stack: number, dOut: Float32Array, bias: Float32Array | null): Factor[] {
    const { C, cout, wm, patches } = this.s;
    const x = this.input!;
    const out: Factor[] = [];
    if (this.P === 1) {
      out.push({ kind: 'outer', n, k: stack, h: x, hCols: C, d: dOut, dCols: cout, scale: wm * wm });
    } else if (this.route === 'gradients' && stack * C * cout <= this.inSize + stack * this.P * cout) {
      // The per-example gradients are smaller than what forms them (usual for convolutions): form them now.
      out.push({ kind: 'rows', n, k: stack, g: profiled(`${this.layer}:form`, () => this.gradientRows(n, stack, dOut)), cols: C * cout });
    } else {
      const fill =
        patches.kind === 'conv'
          ? (h: Float32Array, offset: number, buf: Float32Array) => im2col(patches.window, h, offset, buf)
          : (h: Float32Array, offset: number, buf: Float32Array) => buf.set(h.subarray(offset, offset + this.inSize));
      out.push({ kind: 'patch', n, k: stack, h: x, inSize: this.inSize, d: dOut, P: this.P, C, cout, scale: wm * wm, im2col: fill, route: this.route });
    }
    if (this.params.length > 1) {
      const shared = this.P === 1 || this.route === 'structured';
      out.push(shared ? { kind: 'shared', n, k: stack, scale: this.s.bm } : { kind: 'rows', n, k: stack, g: bias!, cols: cout });
    }
    return out;
  }

  private sums(n: number, stack: number, dOut: Float32Array, bias: Float32Array | null): Float32Array[] {
    const { C, cout, wm } = this.s;
    const gW = new Float32Array(C * cout);
    if (this.direct && !this.cols) {
      // The direct forward pass formed no patches: sum the direct kernel's per-row filter gradients (the chunk's
      // n stack C cout values) rather than forming the chunk's patch matrix (P times larger) for one product.
      const g = this.gradientRows(n, stack, dOut);
      for (let r = 0; r < n * stack; r++) axpy(1, g.subarray(r * C * cout, (r + 1) * C * cout), gW);
      return bias ? [gW, biasSums(bias, n * stack, cout)] : [gW];
    }
    const p = mat(n * this.P, C, this.cols ?? this.patchesOf(this.input!, n));
    for (let a = 0; a < stack; a++) {
      const d = stack === 1 ? dOut : strided(dOut, 0, n, stack, a, this.P * cout);
      const g = matmul(p, mat(n * this.P, cout, d), { transA: true, alpha: wm, checkFinite: false }).data;
      for (let q = 0; q < gW.length; q++) gW[q] += g[q];
    }
    return bias ? [gW, biasSums(bias, n * stack, cout)] : [gW];
  }

  jvp(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    const { C, cout, wm, bm, W } = this.s;
    const rows = n * this.P;
    // Scratch output: the engine's consumers read it within this chunk, and ntkVp copies the model's output.
    const z = this.scratch.f32('jvp', rows * cout);
    let empty = true;
    const direct = this.direct;
    const window = this.s.patches.kind === 'conv' ? this.s.patches.window : null;
    // wm conv(h, M) of input h: by the direct kernel, else patches of h times M.
    const add = (h: Float32Array, key: string, M: Float32Array): void => {
      const target = empty ? z : this.scratch.f32('jvpTerm', rows * cout);
      if (direct && window) direct.convForward(packWindow(window), h, n, M, cout, wm, null, false, target);
      else matmul(mat(rows, C, key === 'cols' ? this.cols! : this.patchesOf(h, n, key)), mat(C, cout, M), { alpha: wm, checkFinite: false, out: mat(rows, cout, target) });
      if (!empty) for (let q = 0; q < z.length; q++) z[q] += target[q];
      empty = false;
    };
    if (tangents[0]) add(tangents[0], 'tangentCols', W);
    if (this.params.length) {
      add(this.input!, 'cols', paramTangents[0]);
      if (paramTangents.length > 1) {
        const ub = paramTangents[1];
        for (let r = 0; r < rows; r++) for (let o = 0; o < cout; o++) z[r * cout + o] += bm * ub[o];
      }
    }
    if (empty) z.fill(0);
    return slopeTimes(z, this.slope, this.relu);
  }

  release(): void {
    this.input = null;
    this.cols = null;
    this.slope = null;
    this.direct = null;
  }

  bytesPerExample(stack: number): number {
    const out = this.P * this.s.cout;
    // The direct kernels keep no patches of the batch.
    const patches = this.s.patches.kind === 'conv' && !directConv() ? this.P * this.s.C : 0;
    return 4 * (out * (1 + stack) + this.inSize * stack + patches);
  }
}

/** The bias gradient summed over rows: sum_r rows[r, o], [cout]. */
function biasSums(rows: Float32Array, count: number, cout: number): Float32Array {
  const gb = new Float32Array(cout);
  for (let r = 0; r < count; r++) for (let o = 0; o < cout; o++) gb[o] += rows[r * cout + o];
  return gb;
}

/** Rows i*stack + a for i in i0..i1, each `width` long, gathered contiguously. */
function strided(d: Float32Array, i0: number, i1: number, stack: number, a: number, width: number): Float32Array {
  const out = new Float32Array((i1 - i0) * width);
  for (let i = i0; i < i1; i++) out.set(d.subarray((i * stack + a) * width, (i * stack + a + 1) * width), (i - i0) * width);
  return out;
}
