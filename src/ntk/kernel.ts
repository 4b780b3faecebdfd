/**
 * The Kernel result type: a dense float32 matrix (or stack of matrices) with its provenance.
 * It holds plain typed arrays, never tensors, so the caller has nothing to dispose.
 */

/** How the output axes of a k-output model are laid out (neural-tangents' trace / full / diagonal). */
export type OutputLayout = 'trace' | 'full' | 'diagonal';

/** What a kernel is: the neural tangent kernel, the conjugate kernel (post-activation Gram), or a layer component of the NTK. */
export type KernelKind = 'ntk' | 'ck' | 'ntk-component';

export interface KernelInit {
  /** Row-major values; length = product of shape. */
  values: Float32Array;
  /** [n1, n2] for 'trace' and for CKs, [n1*k, n2*k] for 'full' (index i*k + a), [n1, n2, k] for 'diagonal'. */
  shape: number[];
  kind: KernelKind;
  layout: OutputLayout;
  /** Number of model outputs k (1 for scalar models and for CKs). */
  outputs: number;
  /** Label of what this kernel is: 'ntk', 'ck:layer2', 'layer1/weight', 'layer3/bias', ... */
  label: string;
  /** True when x2 was omitted, so the matrix is symmetric. */
  symmetric: boolean;
  /** tfjs backend / BLAS that computed it, e.g. 'wasm+openblas'. */
  backend: string;
  /** Wall time of the computation, milliseconds. */
  wallTimeMs: number;
  /** Free-form description of the normalisation (parameterisation, scaling) for provenance. */
  normalization?: string;
}

/** A dense empirical kernel. Values are float32 (what tfjs and sgemm compute); `float64()` gives a double copy for eigen-solvers. */
export class Kernel {
  readonly values: Float32Array;
  readonly shape: readonly number[];
  readonly kind: KernelKind;
  readonly layout: OutputLayout;
  readonly outputs: number;
  readonly label: string;
  readonly symmetric: boolean;
  readonly backend: string;
  readonly wallTimeMs: number;
  readonly normalization: string;
  private f64: Float64Array | undefined;

  constructor(init: KernelInit) {
    const size = init.shape.reduce((a, b) => a * b, 1);
    if (init.values.length !== size) {
      throw new RangeError(`Kernel: values has length ${init.values.length}, shape [${init.shape.join(', ')}] needs ${size}`);
    }
    this.values = init.values;
    this.shape = Object.freeze([...init.shape]);
    this.kind = init.kind;
    this.layout = init.layout;
    this.outputs = init.outputs;
    this.label = init.label;
    this.symmetric = init.symmetric;
    this.backend = init.backend;
    this.wallTimeMs = init.wallTimeMs;
    this.normalization = init.normalization ?? '';
  }

  /** Number of rows of the 2-D view (n1, or n1*k for 'full'). */
  get rows(): number {
    return this.shape[0];
  }

  /** Number of columns of the 2-D view (n2, or n2*k for 'full'; for 'diagonal' n2*k with k innermost). */
  get cols(): number {
    return this.values.length / this.shape[0];
  }

  /** Entry (i, j) of a 2-D kernel, or (i, j, a) of a 'diagonal' kernel. */
  get(i: number, j: number, a = 0): number {
    if (this.shape.length === 3) return this.values[(i * this.shape[1] + j) * this.shape[2] + a];
    return this.values[i * this.shape[1] + j];
  }

  /** The values as a Float64Array (a cached copy: float32 cannot be viewed as float64). */
  float64(): Float64Array {
    if (!this.f64) this.f64 = Float64Array.from(this.values);
    return this.f64;
  }

  /** Sum of the diagonal of a square 2-D kernel (for 'diagonal' layout: summed over outputs). */
  trace(): number {
    const n = Math.min(this.shape[0], this.shape[1]);
    let t = 0;
    for (let i = 0; i < n; i++) {
      if (this.shape.length === 3) for (let a = 0; a < this.shape[2]; a++) t += this.get(i, i, a);
      else t += this.values[i * this.shape[1] + i];
    }
    return t;
  }

  /**
   * A one-line summary, e.g. "Kernel ntk 600 x 600 float32 (symmetric, wasm+openblas, 812 ms)": what
   * console.log and util.inspect print, and so the text/plain a notebook shows for a kernel as a cell's
   * value, instead of the first hundred of its values. (Node's registered util.inspect.custom symbol:
   * nothing to import, and the class stays usable where node:util is not.)
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const details = [
      ...(this.label !== this.kind ? [`label '${this.label}'`] : []),
      ...(this.outputs > 1 ? [`${this.layout} layout, ${this.outputs} outputs`] : []),
      ...(this.symmetric ? ['symmetric'] : []),
      ...(this.backend ? [withoutParentheses(this.backend)] : []),
      `${Math.round(this.wallTimeMs)} ms`,
    ];
    return `Kernel ${this.kind} ${this.shape.join(' x ')} float32 (${details.join(', ')})`;
  }

  /** Frobenius norm, accumulated in float64. */
  frobenius(): number {
    let s = 0;
    for (let i = 0; i < this.values.length; i++) s += this.values[i] * this.values[i];
    return Math.sqrt(s);
  }
}

/** `s` without its parenthesised asides: 'openblas (explicit, auto: ...), tfjs wasm' -> 'openblas, tfjs wasm'. */
function withoutParentheses(s: string): string {
  let out = s;
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out.replace(/\s*\([^()]*\)/g, '');
  }
  return out;
}

/** The full NTK together with its per-layer, per-parameter-tensor components (which sum to it). */
export interface LayerwiseNtk {
  ntk: Kernel;
  /** One kernel per parameter tensor, in forward order: 'layer1/weight', 'layer1/bias', ... */
  components: Kernel[];
}
