/**
 * DepthwiseConv2D (and the depthwise half of SeparableConv2D) on channels-last inputs: a per-channel linear map
 * over im2col windows. With patches [P, kh kw cin] (column t cin + c) and the kernel [kh, kw, cin, m] (flat
 * (t cin + c) m + j), output channel c m + j at position p is sum_t patch(p)[t cin + c] K[(t cin + c) m + j], plus
 * the bias. Reverse: patch cotangents from the same kernel, then col2im; the per-example kernel gradients are
 * sum_p patch(p) x d(p) per channel, formed as 'rows' factors of kh kw cin m values (small: no Gram of patches).
 */
import { biasActivate, deactivate, slopeTimes } from './bias-activation';
import { ActivationName } from '../../../models';
import { Factor } from '../factors';
import { type Window, im2col } from '../../../linalg/im2col';
import { col2im } from './geometry';
import { BilinearOp, BilinearShape } from './bilinear';
import { profiled } from '../profile';
import { Scratch } from './scratch';
import { BackwardArgs, BackwardResult, ParamInfo } from './types';

export interface DepthwiseSpec {
  layer: string;
  inShape: number[];
  outShape: number[];
  window: Window;
  /** Kernel [kh, kw, cin, multiplier] flat; bias [cin multiplier] or null. */
  K: Float32Array;
  multiplier: number;
  b: Float32Array | null;
  labels: { kernel: string; bias: string | null };
  trainable: boolean;
  /** An activation of ntk-lab's table applied with the bias (as LinearOp). */
  activation?: ActivationName;
}

/** Patch cotangents formed at once (values): col2im runs by sub-batches of rows. */
const COLS_BUFFER = 1 << 22;

export class DepthwiseOp implements BilinearOp {
  readonly layer: string;
  readonly inShapes: number[][];
  readonly outShape: number[];
  readonly params: ParamInfo[];
  private readonly s: DepthwiseSpec;
  private readonly P: number;
  /** Patch length kh kw cin, input channels, output channels cin m. */
  private readonly C: number;
  private readonly cin: number;
  private readonly cout: number;
  private readonly inSize: number;
  private readonly scratch = new Scratch();
  private cols: Float32Array | null = null;
  private slope: Float32Array | null = null;
  private readonly relu: boolean;

  constructor(spec: DepthwiseSpec) {
    this.s = spec;
    this.layer = spec.layer;
    this.inShapes = [spec.inShape];
    this.outShape = spec.outShape;
    const w = spec.window;
    this.cin = w.channels;
    this.C = w.kh * w.kw * w.channels;
    this.cout = this.cin * spec.multiplier;
    this.P = w.outH * w.outW;
    this.inSize = w.inH * w.inW * w.channels;
    this.params = spec.trainable ? [{ label: spec.labels.kernel, size: this.C * spec.multiplier }] : [];
    if (spec.trainable && spec.b && spec.labels.bias) this.params.push({ label: spec.labels.bias, size: this.cout });
    this.relu = spec.activation === 'relu';
  }

  get bilinear(): BilinearShape {
    const m = this.s.multiplier;
    return {
      macs: this.P * this.C * m,
      positions: this.P,
      patch: this.C,
      channels: this.cout,
      weight: this.params.length ? this.params[0].label : null,
      bias: this.params.length > 1 ? this.params[1].label : null,
      biasSize: this.cout,
    };
  }

  private patches(x: Float32Array, n: number, key: string): Float32Array {
    const out = this.scratch.f32(key, n * this.P * this.C);
    for (let i = 0; i < n; i++) im2col(this.s.window, x, i * this.inSize, out.subarray(i * this.P * this.C));
    return out;
  }

  /** out [rows, cout] = the depthwise map of patches [rows, C] with kernel K (added into out when `add`). */
  private apply(cols: Float32Array, rows: number, K: Float32Array, out: Float32Array, add: boolean): void {
    const { C, cin, cout } = this;
    const m = this.s.multiplier;
    const taps = C / cin;
    if (!add) out.fill(0, 0, rows * cout);
    // Taps outside, channels inside: no index division in the loop, and m = 1 (the common case) without a j loop.
    for (let r = 0; r < rows; r++) {
      const zo = r * cout;
      for (let t = 0; t < taps; t++) {
        const po = r * C + t * cin;
        const ko = t * cin * m;
        if (m === 1) {
          for (let c = 0; c < cin; c++) out[zo + c] += cols[po + c] * K[ko + c];
        } else {
          for (let c = 0; c < cin; c++) {
            const v = cols[po + c];
            for (let j = 0; j < m; j++) out[zo + c * m + j] += v * K[ko + c * m + j];
          }
        }
      }
    }
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    this.cols = profiled(`${this.layer}:im2col`, () => this.patches(inputs[0], n, 'cols'));
    const z = this.scratch.f32('z', n * this.P * this.cout);
    this.apply(this.cols, n * this.P, this.s.K, z, false);
    this.slope = biasActivate(z, n * this.P, this.cout, this.s.b, 1, this.s.activation ?? 'linear', this.scratch);
    return z;
  }

  backward(args: BackwardArgs): BackwardResult {
    const { n, stack, dOut } = args;
    const rows = n * stack;
    const { C, cin, cout, P } = this;
    const m = this.s.multiplier;
    const bias = this.params.length > 1 && args.params !== 'none' ? this.scratch.zeros('bias', rows * cout) : null;
    deactivate(dOut, this.slope, this.relu, { n, stack, P, cout, bm: 1 }, bias);
    let dIn: Float32Array | null = null;
    if (args.needInputs) {
      dIn = this.scratch.zeros('dIn', rows * this.inSize);
      const K = this.s.K;
      const step = Math.max(1, Math.floor(COLS_BUFFER / (P * C)));
      const buf = this.scratch.f32('dcols', Math.min(step, rows) * P * C);
      for (let r0 = 0; r0 < rows; r0 += step) {
        const r1 = Math.min(rows, r0 + step);
        const taps = C / cin;
        for (let t = 0; t < (r1 - r0) * P; t++) {
          const d0 = (r0 * P + t) * cout;
          for (let tap = 0; tap < taps; tap++) {
            const o = t * C + tap * cin;
            const ko = tap * cin * m;
            if (m === 1) {
              for (let c = 0; c < cin; c++) buf[o + c] = dOut[d0 + c] * K[ko + c];
            } else {
              for (let c = 0; c < cin; c++) {
                let s = 0;
                for (let j = 0; j < m; j++) s += dOut[d0 + c * m + j] * K[ko + c * m + j];
                buf[o + c] = s;
              }
            }
          }
        }
        for (let r = r0; r < r1; r++) col2im(this.s.window, buf, (r - r0) * P * C, dIn, r * this.inSize);
      }
    }
    const out: BackwardResult = { dIn: [dIn] };
    if (args.params === 'none' || !this.params.length) return out;
    const size = C * m;
    if (args.params === 'factors') {
      const g = profiled(`${this.layer}:form`, () => {
        const rowsOut = this.scratch.zeros('grads', rows * size);
        for (let r = 0; r < rows; r++) this.gradient(r, Math.floor(r / stack), dOut, rowsOut, r * size);
        return rowsOut;
      });
      const f: Factor[] = [{ kind: 'rows', n, k: stack, g, cols: size }];
      if (bias) f.push({ kind: 'rows', n, k: stack, g: bias, cols: cout });
      out.factors = f;
    } else {
      const g = new Float32Array(size);
      for (let r = 0; r < rows; r++) this.gradient(r, Math.floor(r / stack), dOut, g, 0);
      const sums = [g];
      if (bias) {
        const gb = new Float32Array(cout);
        for (let r = 0; r < rows; r++) for (let o = 0; o < cout; o++) gb[o] += bias[r * cout + o];
        sums.push(gb);
      }
      out.sums = sums;
    }
    return out;
  }

  /** Adds stacked row r's (example i's) kernel gradient sum_p patch_i(p)[q] d_r(p)[c m + j] into g[offset + q m + j]. */
  private gradient(r: number, i: number, d: Float32Array, g: Float32Array, offset: number): void {
    const { C, cin, cout, P } = this;
    const m = this.s.multiplier;
    const cols = this.cols!;
    const taps = C / cin;
    for (let p = 0; p < P; p++) {
      const dp = (r * P + p) * cout;
      for (let t = 0; t < taps; t++) {
        const po = (i * P + p) * C + t * cin;
        const go = offset + t * cin * m;
        if (m === 1) {
          for (let c = 0; c < cin; c++) g[go + c] += cols[po + c] * d[dp + c];
        } else {
          for (let c = 0; c < cin; c++) {
            const v = cols[po + c];
            for (let j = 0; j < m; j++) g[go + c * m + j] += v * d[dp + c * m + j];
          }
        }
      }
    }
  }

  jvp(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    const rows = n * this.P;
    const cout = this.cout;
    const z = this.scratch.zeros('jvp', rows * cout);
    if (tangents[0]) this.apply(this.patches(tangents[0], n, 'tangentCols'), rows, this.s.K, z, true);
    if (this.params.length) {
      this.apply(this.cols!, rows, paramTangents[0], z, true);
      if (paramTangents.length > 1) {
        const ub = paramTangents[1];
        for (let r = 0; r < rows; r++) for (let o = 0; o < cout; o++) z[r * cout + o] += ub[o];
      }
    }
    return slopeTimes(z, this.slope, this.relu);
  }

  release(): void {
    this.cols = null;
    this.slope = null;
  }

  bytesPerExample(stack: number): number {
    const out = this.P * this.cout;
    return 4 * (out * (1 + stack) + this.inSize * stack + this.P * this.C + stack * this.C * this.s.multiplier);
  }
}
