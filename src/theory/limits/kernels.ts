/**
 * ntkLimit, nngpLimit and ckLimit: the infinite-width kernels of an ntk-lab MLP, in the units of ntk() and ck()
 * (the empirical kernels of wide copies of the same architecture converge to these), as float64 Kernels.
 *
 *   const net = mlp({ inputDim: 10, widths: [512, 512], outputDim: 3, activation: 'tanh' });
 *   const T = ntkLimit(net, x);                          // [n, n]: sum over the 3 outputs, as ntk(net, x)
 *   const F = ntkLimit(net, x1, x2, { outputs: 'full' }); // [n1 3, n2 3] = Theta ⊗ I_3
 *   const S = nngpLimit(net, x);                          // covariance of each output at initialisation
 *   const C = ckLimit(net, x, undefined, { layer: 1 });   // limit of ck(net, x, undefined, { layer: 1 })
 *
 * The NTK parameterisation's limit does not depend on the hidden widths. The standard parameterisation's NTK grows
 * with them (its weight term is n_{l-1} K_{l-1}); as neural-tangents does, the "limit" is then the leading term at
 * the model's own widths, to which ntk() of that model is close with relative error O(1 / sqrt(width)).
 */
import { InvalidOptionError, NonFiniteError, ShapeError } from '../../errors';
import type { Matrix } from '../../linalg';
import { firstNonFinite, type InputBatch, toInputMatrix } from '../../ntk/input';
import type { KernelKind, OutputLayout } from '../../ntk/kernel';
import { LimitKernel, outputLayout } from './limit-kernel';
import { type LimitLayer, type LimitModel, limitLayers } from './layers';
import { type InfiniteWidthKernels, type RecursionNeeds, infiniteWidthRecursion } from './recursion';

/** Options of ntkLimit and nngpLimit. */
export interface LimitOptions {
  /** Layout of the k outputs (default 'trace', as ntk()): [n1, n2] summed over outputs, [n1 k, n2 k], or [n1, n2, k]. */
  outputs?: OutputLayout;
}

/** Options of ckLimit. */
export interface CkLimitOptions {
  /** Hidden layer l (0..L, default L): 0 is the input Gram x . x' / d0, as ck(). */
  layer?: number;
}

function isMatrix(x: unknown): x is Matrix {
  return typeof x === 'object' && x !== null && 'rows' in x && 'cols' in x && 'data' in x;
}

/** x as a float64 n x d0 matrix: float64 data is kept as it is (no rounding to float32), the rest checked by the engine's converter. */
function toInput64(x: InputBatch, name: string, d0: number): Matrix<Float64Array> {
  if (isMatrix(x) && x.data instanceof Float64Array) {
    if (!Number.isSafeInteger(x.rows) || x.rows < 1 || x.cols !== d0 || x.data.length !== x.rows * x.cols) {
      throw new ShapeError(`${name}: expected a ${'{'}rows >= 1, cols: ${d0}${'}'} matrix with rows * cols values, got ${String(x.rows)} x ${String(x.cols)} holding ${x.data.length}`);
    }
    const bad = firstNonFinite(x.data);
    if (bad >= 0) throw new NonFiniteError(`${name}: non-finite value ${x.data[bad]} at row ${Math.floor(bad / d0)}, column ${bad % d0}`);
    return { rows: x.rows, cols: x.cols, data: x.data };
  }
  const m = toInputMatrix(x, name, d0);
  return { rows: m.rows, cols: m.cols, data: Float64Array.from(m.data) };
}

interface Computed {
  layers: LimitLayer[];
  kernels: InfiniteWidthKernels;
  ms: number;
}

function compute(fn: string, model: LimitModel, x1: InputBatch, x2: InputBatch | undefined, needs: RecursionNeeds = {}): Computed {
  const start = performance.now();
  const layers = limitLayers(model, fn);
  const d0 = layers[0].inDim;
  const m1 = toInput64(x1, 'x1', d0);
  const m2 = x2 === undefined ? undefined : toInput64(x2, 'x2', d0);
  const kernels = infiniteWidthRecursion(layers, m1, m2, needs);
  return { layers, kernels, ms: performance.now() - start };
}

function describeLayers(layers: readonly LimitLayer[]): string {
  const dims = [layers[0].inDim, ...layers.map((l) => l.outDim)].join('-');
  return `MLP ${dims}, activations ${layers.map((l) => l.activation).join(', ')}`;
}

const outputsOf = (c: Computed): number => c.layers[c.layers.length - 1].outDim;

function checkLayout(fn: string, layout: unknown): OutputLayout {
  if (layout !== 'trace' && layout !== 'full' && layout !== 'diagonal') throw new InvalidOptionError(`${fn}: opts.outputs must be 'trace', 'full' or 'diagonal', got '${String(layout)}'`);
  return layout;
}

/** The Kernel of `values` (n1 x n2) for k identical outputs in `layout`. */
function finish(fn: string, c: Computed, values: Float64Array, k: number, kind: KernelKind, label: string, layout: OutputLayout, note: string): LimitKernel {
  const { n1, n2, symmetric } = c.kernels;
  const bad = firstNonFinite(values);
  if (bad >= 0) throw new NonFiniteError(`${fn}: the limit kernel overflowed (${values[bad]} at pair ${Math.floor(bad / n2)}, ${bad % n2}): the pre-activation variances grow too fast through the layers`);
  const out = outputLayout(values, n1, n2, k, layout);
  return new LimitKernel(
    {
      shape: out.shape,
      kind,
      layout,
      outputs: k,
      label,
      symmetric,
      backend: 'float64 dual-kernel recursion (ntk-lab/theory)',
      wallTimeMs: c.ms,
      normalization: `infinite-width limit: ${note}; ${describeLayers(c.layers)}`,
    },
    out.values,
  );
}

/**
 * The infinite-width NTK Theta_{L+1} of each output, times I_k for k outputs, in the layout of ntk(model, x1, x2,
 * { outputs }): 'trace' (default) gives k Theta. Float64 (LimitKernel.float64()).
 */
export function ntkLimit(model: LimitModel, x1: InputBatch, x2?: InputBatch, opts: LimitOptions = {}): LimitKernel {
  const layout = checkLayout('ntkLimit', opts.outputs ?? 'trace');
  const c = compute('ntkLimit', model, x1, x2);
  return finish('ntkLimit', c, c.kernels.ntk[c.kernels.ntk.length - 1], outputsOf(c), 'ntk', 'ntk:limit', layout, 'Theta_{L+1} ⊗ I_k, units of ntk()');
}

/**
 * The NNGP kernel Sigma_{L+1}: the covariance E f_a(x) f_b(x') = delta_ab Sigma_{L+1}(x, x') of the outputs at
 * initialisation, in the same layouts ('trace' = k Sigma). Kind 'ck' (the NNGP is the expected Gram of the output
 * pre-activations; the Kernel type has no 'nngp' kind), label 'nngp:limit'.
 */
export function nngpLimit(model: LimitModel, x1: InputBatch, x2?: InputBatch, opts: LimitOptions = {}): LimitKernel {
  const layout = checkLayout('nngpLimit', opts.outputs ?? 'trace');
  const c = compute('nngpLimit', model, x1, x2, { ntk: false });
  return finish('nngpLimit', c, c.kernels.nngp[c.kernels.nngp.length - 1], outputsOf(c), 'ck', 'nngp:limit', layout, 'Sigma_{L+1} ⊗ I_k, the outputs\' covariance');
}

/** The limit K_l = E phi(u) phi(u'), u ~ GP(0, Sigma_l), of ck(model, x1, x2, { layer }) = h_l . h_l' / n_l ([n1, n2]). */
export function ckLimit(model: LimitModel, x1: InputBatch, x2?: InputBatch, opts: CkLimitOptions = {}): LimitKernel {
  const hidden = limitLayers(model, 'ckLimit').length - 1;
  const layer = opts.layer ?? hidden;
  if (!Number.isInteger(layer) || layer < 0 || layer > hidden) {
    throw new InvalidOptionError(`ckLimit: layer must be an integer in 0..${hidden} (the hidden layers of this model), got ${String(layer)}`);
  }
  const c = compute('ckLimit', model, x1, x2, { ntk: false, layer });
  return finish('ckLimit', c, c.kernels.ck[layer], 1, 'ck', `ck:layer${layer}:limit`, 'trace', `K_${layer} = lim h_l . h_l' / n_l`);
}

/**
 * Every layer's limit kernels at once, as float64 n1 x n2 arrays (see InfiniteWidthKernels): the NNGP and NTK of
 * each layer's pre-activations and each hidden layer's CK.
 */
export function infiniteWidthKernels(model: LimitModel, x1: InputBatch, x2?: InputBatch): InfiniteWidthKernels {
  return compute('infiniteWidthKernels', model, x1, x2).kernels;
}
