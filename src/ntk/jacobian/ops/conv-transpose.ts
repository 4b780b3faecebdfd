/**
 * Conv2DTranspose on channels-last inputs: the adjoint of a convolution's window map. The window runs over the
 * output [Ho, Wo, filters] (the convolution whose input-gradient this layer is, TensorFlow's conv2d_backprop_input),
 * and each input position p scatters x(p) K^T (K = the kernel [kh, kw, filters, cin] as a [kh kw filters, cin]
 * matrix) onto its window by col2im. Reverse: the output cotangent's patches dcols [P, kh kw filters] (im2col)
 * give the input cotangent dcols K and the per-example kernel gradient dcols^T x [kh kw filters, cin], in the
 * kernel's own layout; formed as 'rows' factors. The bias is added per output position, after col2im.
 */
import { Matrix, matmul } from '../../../linalg';
import { ActivationName } from '../../../models';
import { biasActivate, deactivate, slopeTimes } from './bias-activation';
import { BilinearOp, BilinearShape } from './bilinear';
import { Factor } from '../factors';
import { type Window, im2col } from '../../../linalg/im2col';
import { col2im } from './geometry';
import { profiled } from '../profile';
import { Scratch } from './scratch';
import { BackwardArgs, BackwardResult, ParamInfo } from './types';

export interface ConvTransposeSpec {
  layer: string;
  inShape: number[];
  outShape: number[];
  /** The window over the output whose positions are the input's (outH, outW = the input's height and width). */
  window: Window;
  /** Kernel [kh, kw, filters, cin] flat; bias [filters] or null. */
  K: Float32Array;
  b: Float32Array | null;
  labels: { kernel: string; bias: string | null };
  trainable: boolean;
  activation?: ActivationName;
}

/** Values of the patch buffers formed at once (16 MB): passes run by sub-batches of rows. */
const COLS_BUFFER = 1 << 22;

function mat(rows: number, cols: number, data: Float32Array): Matrix<Float32Array> {
  return { rows, cols, data };
}

export class ConvTransposeOp implements BilinearOp {
  readonly layer: string;
  readonly inShapes: number[][];
  readonly outShape: number[];
  readonly params: ParamInfo[];
  private readonly s: ConvTransposeSpec;
  /** Input positions, input channels, patch length kh kw filters, filters. */
  private readonly P: number;
  private readonly cin: number;
  private readonly C: number;
  private readonly filters: number;
  private readonly inSize: number;
  private readonly outSize: number;
  private readonly scratch = new Scratch();
  private input: Float32Array | null = null;
  private slope: Float32Array | null = null;
  private readonly relu: boolean;

  constructor(spec: ConvTransposeSpec) {
    this.s = spec;
    this.layer = spec.layer;
    this.inShapes = [spec.inShape];
    this.outShape = spec.outShape;
    const w = spec.window;
    this.filters = w.channels;
    this.cin = spec.inShape[spec.inShape.length - 1];
    this.P = w.outH * w.outW;
    this.C = w.kh * w.kw * w.channels;
    this.inSize = this.P * this.cin;
    this.outSize = w.inH * w.inW * w.channels;
    this.params = spec.trainable ? [{ label: spec.labels.kernel, size: this.C * this.cin }] : [];
    if (spec.trainable && spec.b && spec.labels.bias) this.params.push({ label: spec.labels.bias, size: this.filters });
    this.relu = spec.activation === 'relu';
  }

  get bilinear(): BilinearShape {
    return {
      macs: this.P * this.C * this.cin,
      positions: this.P,
      patch: this.cin,
      channels: this.C,
      weight: this.params.length ? this.params[0].label : null,
      bias: this.params.length > 1 ? this.params[1].label : null,
      biasSize: this.filters,
    };
  }

  /** y [rows, outSize] (+)= col2im(x K^T) for x [rows, inSize], by sub-batches. */
  private scatter(x: Float32Array, rows: number, K: Float32Array, y: Float32Array): void {
    const { P, C, cin } = this;
    const step = Math.max(1, Math.floor(COLS_BUFFER / (P * C)));
    const buf = this.scratch.f32('cols', Math.min(step, rows) * P * C);
    for (let r0 = 0; r0 < rows; r0 += step) {
      const r1 = Math.min(rows, r0 + step);
      const cols = buf.subarray(0, (r1 - r0) * P * C);
      const xs = mat((r1 - r0) * P, cin, x.subarray(r0 * this.inSize, r1 * this.inSize));
      profiled(`${this.layer}:gemm`, () => matmul(xs, mat(C, cin, K), { transB: true, checkFinite: false, out: mat((r1 - r0) * P, C, cols) }));
      profiled(`${this.layer}:col2im`, () => {
        for (let r = r0; r < r1; r++) col2im(this.s.window, cols, (r - r0) * P * C, y, r * this.outSize);
      });
    }
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    this.input = inputs[0];
    const y = this.scratch.zeros('y', n * this.outSize);
    this.scatter(inputs[0], n, this.s.K, y);
    const positions = this.outSize / this.filters;
    this.slope = biasActivate(y, n * positions, this.filters, this.s.b, 1, this.s.activation ?? 'linear', this.scratch);
    return y;
  }

  backward(args: BackwardArgs): BackwardResult {
    const { n, stack, dOut } = args;
    const rows = n * stack;
    const { P, C, cin, filters } = this;
    const positions = this.outSize / filters;
    const bias = this.params.length > 1 && args.params !== 'none' ? this.scratch.zeros('bias', rows * filters) : null;
    deactivate(dOut, this.slope, this.relu, { n, stack, P: positions, cout: filters, bm: 1 }, bias);
    const wantGrads = args.params !== 'none' && this.params.length > 0;
    const size = C * cin;
    const dIn = args.needInputs ? this.scratch.f32('dIn', rows * this.inSize) : null;
    const grads = wantGrads ? (args.params === 'factors' ? this.scratch.f32('grads', rows * size) : this.scratch.zeros('gradSum', size)) : null;
    if (dIn || grads) {
      const x = this.input!;
      const step = Math.max(1, Math.floor(COLS_BUFFER / (P * C)));
      const buf = this.scratch.f32('dcols', Math.min(step, rows) * P * C);
      for (let r0 = 0; r0 < rows; r0 += step) {
        const r1 = Math.min(rows, r0 + step);
        const dcols = buf.subarray(0, (r1 - r0) * P * C);
        profiled(`${this.layer}:im2col`, () => {
          for (let r = r0; r < r1; r++) im2col(this.s.window, dOut, r * this.outSize, dcols.subarray((r - r0) * P * C));
        });
        if (dIn) {
          const out = mat((r1 - r0) * P, cin, dIn.subarray(r0 * this.inSize, r1 * this.inSize));
          profiled(`${this.layer}:gemm`, () => matmul(mat((r1 - r0) * P, C, dcols), mat(C, cin, this.s.K), { checkFinite: false, out }));
        }
        if (grads) {
          profiled(`${this.layer}:form`, () => {
            for (let r = r0; r < r1; r++) {
              const i = Math.floor(r / stack);
              const d = mat(P, C, dcols.subarray((r - r0) * P * C, (r - r0 + 1) * P * C));
              const xi = mat(P, cin, x.subarray(i * this.inSize, (i + 1) * this.inSize));
              if (args.params === 'factors') {
                matmul(d, xi, { transA: true, checkFinite: false, out: mat(C, cin, grads.subarray(r * size, (r + 1) * size)) });
              } else {
                const g = matmul(d, xi, { transA: true, checkFinite: false }).data;
                for (let q = 0; q < size; q++) grads[q] += g[q];
              }
            }
          });
        }
      }
    }
    const out: BackwardResult = { dIn: [dIn] };
    if (!wantGrads) return out;
    if (args.params === 'factors') {
      const f: Factor[] = [{ kind: 'rows', n, k: stack, g: grads!, cols: size }];
      if (bias) f.push({ kind: 'rows', n, k: stack, g: bias, cols: filters });
      out.factors = f;
    } else {
      const sums = [Float32Array.from(grads!)];
      if (bias) {
        const gb = new Float32Array(filters);
        for (let r = 0; r < rows; r++) for (let o = 0; o < filters; o++) gb[o] += bias[r * filters + o];
        sums.push(gb);
      }
      out.sums = sums;
    }
    return out;
  }

  jvp(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    const y = this.scratch.zeros('jvp', n * this.outSize);
    if (tangents[0]) this.scatter(tangents[0], n, this.s.K, y);
    if (this.params.length) {
      this.scatter(this.input!, n, paramTangents[0], y);
      if (paramTangents.length > 1) {
        const ub = paramTangents[1];
        const f = this.filters;
        for (let q = 0; q < y.length; q += f) for (let o = 0; o < f; o++) y[q + o] += ub[o];
      }
    }
    return slopeTimes(y, this.slope, this.relu);
  }

  release(): void {
    this.input = null;
    this.slope = null;
  }

  bytesPerExample(stack: number): number {
    return 4 * (this.outSize * (1 + stack) + this.inSize * stack + stack * this.C * this.cin);
  }
}
