/**
 * The generic path: a tfjs layer without a rule of its own, run by tfjs (inference mode). Input cotangents
 * come from one batched tf.grads over the inputs tiled per output; per-example parameter gradients from one
 * small reverse pass per (example, output), as the Jacobian method is defined; forward mode (for NTK-vector
 * products) by the transpose trick: the JVP is the gradient, with respect to the cotangent w, of <VJP(w), t>.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedModelError } from '../../../errors';
import { Factor } from '../factors';
import { BackwardArgs, BackwardResult, Op, ParamInfo, sizeOf } from './types';

/** Relative difference above which a layer is taken to mix the examples of a batch. */
const BATCH_TOLERANCE = 1e-4;

export class TfLayerOp implements Op {
  readonly params: ParamInfo[];
  private inputs: Float32Array[] | null = null;
  private probed = false;
  private readonly inSizes: number[];
  private readonly outSize: number;

  constructor(
    private readonly tfLayer: tfl.layers.Layer,
    readonly inShapes: number[][],
    readonly outShape: number[],
    private readonly variables: { label: string; variable: tf.Variable }[],
  ) {
    this.params = variables.map((v) => ({ label: v.label, size: v.variable.size }));
    this.inSizes = inShapes.map(sizeOf);
    this.outSize = sizeOf(outShape);
  }

  get layer(): string {
    return this.tfLayer.name;
  }

  private call(xs: tf.Tensor[]): tf.Tensor {
    const y = this.tfLayer.apply(xs.length === 1 ? xs[0] : xs, { training: false });
    if (Array.isArray(y)) throw new UnsupportedModelError(`layer '${this.layer}' has several outputs; the NTK engine follows single-output layers`);
    return y as tf.Tensor;
  }

  private tensors(xs: Float32Array[], rows: number, index?: number[]): tf.Tensor[] {
    return xs.map((x, j) => {
      const t = tf.tensor(x, [rows, ...this.inShapes[j]]);
      if (!index) return t;
      const g = tf.gather(t, index);
      t.dispose();
      return g;
    });
  }

  forward(inputs: Float32Array[], n: number): Float32Array {
    this.inputs = inputs;
    const y = tf.tidy(() => Float32Array.from(this.call(this.tensors(inputs, n)).dataSync() as Float32Array));
    if (!this.probed && n >= 2) {
      this.probed = true;
      const y0 = tf.tidy(() => this.call(this.tensors(inputs, n, [0])).dataSync() as Float32Array);
      let diff = 0;
      let scale = 0;
      for (let q = 0; q < this.outSize; q++) {
        diff = Math.max(diff, Math.abs(y0[q] - y[q]));
        scale = Math.max(scale, Math.abs(y[q]));
      }
      if (diff > BATCH_TOLERANCE * Math.max(scale, 1)) {
        throw new UnsupportedModelError(
          `layer '${this.layer}' (${this.tfLayer.getClassName()}): the output of an example depends on the other examples of the batch ` +
            `(as BatchNormalization in training mode); the NTK is defined for per-example outputs`,
        );
      }
    }
    return y;
  }

  backward(args: BackwardArgs): BackwardResult {
    return this.explained(() => this.reverse(args));
  }

  /** Runs fn, turning tfjs' "kernel not registered" (a gradient the backend lacks) into a named error with a way out. */
  private explained<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof Error && /not registered for backend/.test(e.message)) {
        throw new UnsupportedModelError(
          `layer '${this.layer}' (${this.tfLayer.getClassName()}) has no rule of the jacobian method and tfjs cannot differentiate it on this backend ` +
            `(${e.message}); try useBackend('cpu')`,
        );
      }
      throw e;
    }
  }

  private reverse(args: BackwardArgs): BackwardResult {
    const { n, stack, dOut } = args;
    const xs = this.inputs!;
    const tiled = Array.from({ length: n * stack }, (_, r) => Math.floor(r / stack));
    const out: BackwardResult = { dIn: xs.map(() => null) };
    if (args.needInputs) {
      out.dIn = tf.tidy(() => {
        const dy = tf.tensor(dOut, [n * stack, ...this.outShape]);
        const grads = tf.grads((...ts: tf.Tensor[]) => this.call(ts))(this.tensors(xs, n, stack === 1 ? undefined : tiled), dy);
        return grads.map((g) => Float32Array.from(g.dataSync() as Float32Array));
      });
    }
    const vars = this.variables.map((v) => v.variable);
    if (args.params === 'sum' && vars.length) {
      out.sums = tf.tidy(() => {
        const dy = tf.tensor(dOut, [n * stack, ...this.outShape]);
        const xt = this.tensors(xs, n, stack === 1 ? undefined : tiled);
        const { grads } = tf.variableGrads(() => tf.sum(tf.mul(this.call(xt), dy)) as tf.Scalar, vars);
        return vars.map((v) => Float32Array.from(grads[v.name].dataSync() as Float32Array));
      });
    } else if (args.params === 'factors' && vars.length) {
      const rows = this.params.map((p) => new Float32Array(n * stack * p.size));
      for (let i = 0; i < n; i++) {
        for (let a = 0; a < stack; a++) {
          const r = i * stack + a;
          tf.tidy(() => {
            const dy = tf.tensor(dOut.subarray(r * this.outSize, (r + 1) * this.outSize), [1, ...this.outShape]);
            const xt = this.tensors(xs.map((x, j) => x.subarray(i * this.inSizes[j], (i + 1) * this.inSizes[j])), 1);
            const { grads } = tf.variableGrads(() => tf.sum(tf.mul(this.call(xt), dy)) as tf.Scalar, vars);
            vars.forEach((v, t) => rows[t].set(grads[v.name].dataSync() as Float32Array, r * this.params[t].size));
          });
        }
      }
      out.factors = rows.map((g, t): Factor => ({ kind: 'rows', n, k: stack, g, cols: this.params[t].size }));
    }
    return out;
  }

  jvp(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    return this.explained(() => this.forwardMode(tangents, paramTangents, n));
  }

  private forwardMode(tangents: (Float32Array | null)[], paramTangents: Float32Array[], n: number): Float32Array {
    const xs = this.inputs!;
    const vars = this.variables.map((v) => v.variable);
    return tf.tidy(() => {
      const xt = this.tensors(xs, n);
      const tt = tangents.map((t, j) => (t ? tf.tensor(t, [n, ...this.inShapes[j]]) : null));
      const ut = paramTangents.map((u, t) => tf.tensor(u, vars[t].shape));
      // <VJP(w), (t, u)> is linear in w; its gradient in w is the JVP J (t, u).
      const inner = (w: tf.Tensor): tf.Scalar => {
        const live = tt.map((t, j) => (t ? j : -1)).filter((j) => j >= 0);
        let total: tf.Tensor = tf.scalar(0);
        if (live.length) {
          const gx = tf.grads((...ts: tf.Tensor[]) => this.call(xt.map((x, j) => (live.includes(j) ? ts[live.indexOf(j)] : x))))(
            live.map((j) => xt[j]),
            w,
          );
          gx.forEach((g, q) => (total = tf.add(total, tf.sum(tf.mul(g, tt[live[q]]!)))));
        }
        if (vars.length) {
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(this.call(xt), w)) as tf.Scalar, vars);
          vars.forEach((v, t) => (total = tf.add(total, tf.sum(tf.mul(grads[v.name], ut[t])))));
        }
        return total as tf.Scalar;
      };
      const jvp = tf.grad(inner)(tf.zeros([n, ...this.outShape]));
      return Float32Array.from(jvp.dataSync() as Float32Array);
    });
  }

  release(): void {
    this.inputs = null;
  }

  bytesPerExample(stack: number): number {
    const ins = this.inSizes.reduce((a, b) => a + b, 0);
    return 4 * (ins * (1 + 2 * stack) + this.outSize * (2 + 2 * stack));
  }
}
