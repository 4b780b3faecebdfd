/**
 * W1 = W0 + c G0 is affine in the step size c = eta sqrt(N), so everything the sweep needs from W1 is affine or
 * quadratic in c: pre-activations X W1 = X W0 + c X G0, and the Gram W1 W1^T = W0 W0^T + c (W0 G0^T + G0 W0^T)
 * + c^2 G0 G0^T. The pieces are computed once per (seed, width) with float64 GEMMs, then each learning rate costs
 * one pass over them instead of an n x d x N product per sample, and no d x d x N product for the Gram.
 */
import { ShapeError } from '../errors';
import { type Matrix, gramAsync, matmulAsync } from '../linalg';
import type { ActivationName } from '../models/activations';
import { featureFunction } from './activation-fn';
import { type GramSide, gramSide } from './singular';
import { matTVec } from './vectors';

/** Pre-activations of one sample under W1 = W0 + c G0, and its CK features at any c. */
export class StepPreactivations {
  private constructor(
    /** X W0: n x N. */
    readonly base: Matrix<Float64Array>,
    /** X G0: n x N. */
    readonly direction: Matrix<Float64Array>,
  ) {}

  /** Precomputes X W0 and X G0 for x (n x d), W0 and G0 (d x N). */
  static async of(x: Matrix<Float64Array>, W0: Matrix<Float64Array>, G0: Matrix<Float64Array>): Promise<StepPreactivations> {
    if (x.cols !== W0.rows || W0.rows !== G0.rows || W0.cols !== G0.cols) {
      throw new ShapeError(`StepPreactivations: x is ${x.rows} x ${x.cols}, W0 ${W0.rows} x ${W0.cols}, G0 ${G0.rows} x ${G0.cols}`);
    }
    return new StepPreactivations(await matmulAsync(x, W0), await matmulAsync(x, G0));
  }

  /** Phi(c) = sigma(X W0 + c X G0) / sqrt(N) (n x N), into `out` when given. */
  features(c: number, act: ActivationName, out?: Matrix<Float64Array>): Matrix<Float64Array> {
    const { rows, cols } = this.base;
    const target = out ?? { rows, cols, data: new Float64Array(rows * cols) };
    if (target.data.length !== rows * cols) throw new ShapeError(`StepPreactivations.features: out must hold ${rows} x ${cols} values`);
    const f = featureFunction(act);
    const scale = 1 / Math.sqrt(cols);
    const z0 = this.base.data;
    const zg = this.direction.data;
    const dst = target.data;
    for (let i = 0; i < dst.length; i++) dst[i] = scale * f(z0[i] + c * zg[i]);
    return target;
  }
}

/** The smaller Gram of W1 = W0 + c G0 at any c, with the probe that singularFromGram needs for <u_j, beta>. */
export class StepGram {
  private constructor(
    readonly side: GramSide,
    private readonly p: Float64Array,
    private readonly s: Float64Array,
    private readonly r: Float64Array,
    private readonly m: number,
    private readonly probe0: Float64Array,
    private readonly probeG: Float64Array | undefined,
  ) {}

  /** Precomputes W0 W0^T, W0 G0^T + G0 W0^T, G0 G0^T (or the N x N transposes when d > N) for W0, G0 (d x N) and beta (d). */
  static async of(W0: Matrix<Float64Array>, G0: Matrix<Float64Array>, beta: Float64Array): Promise<StepGram> {
    if (W0.rows !== G0.rows || W0.cols !== G0.cols) throw new ShapeError(`StepGram: W0 is ${W0.rows} x ${W0.cols}, G0 is ${G0.rows} x ${G0.cols}`);
    if (beta.length !== W0.rows) throw new ShapeError(`StepGram: beta has length ${beta.length}, W0 has ${W0.rows} rows`);
    const side = gramSide(W0.rows, W0.cols);
    const right = side === 'right';
    const p = await gramAsync(W0, { trans: right });
    const r = await gramAsync(G0, { trans: right });
    const t = await matmulAsync(W0, G0, right ? { transA: true } : { transB: true });
    const m = t.rows;
    const s = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) s[i * m + j] = t.data[i * m + j] + t.data[j * m + i];
    // <u_j, beta> needs beta itself (left side) or W1^T beta = W0^T beta + c G0^T beta (right side).
    const probe0 = right ? matTVec(W0, beta) : beta;
    const probeG = right ? matTVec(G0, beta) : undefined;
    return new StepGram(side, p.data, s, r.data, m, probe0, probeG);
  }

  /** The Gram of W1 at step size c = eta sqrt(N): W1 W1^T (d x d, side 'left') or W1^T W1 (N x N, 'right'). */
  at(c: number): Matrix<Float64Array> {
    const out = new Float64Array(this.m * this.m);
    const c2 = c * c;
    for (let i = 0; i < out.length; i++) out[i] = this.p[i] + c * this.s[i] + c2 * this.r[i];
    return { rows: this.m, cols: this.m, data: out };
  }

  /** The probe of singularFromGram at c: beta (left side) or W1^T beta (right side). */
  probe(c: number): Float64Array {
    if (!this.probeG) return this.probe0;
    const out = new Float64Array(this.probe0.length);
    for (let i = 0; i < out.length; i++) out[i] = this.probe0[i] + c * this.probeG[i];
    return out;
  }
}
