/**
 * A random-projection NTK: K(x_i, x_j) ~ sum_a (S g_i^a) . (S g_j^a) for a seeded Johnson-Lindenstrauss sketch S of
 * the per-example gradients g, computed layer by layer from the explicit method's features without forming any
 * gradient. A dense layer's weight and bias gradients together are the outer product g = [wm h_{l-1}, bm] (x) delta_l, so
 * their sketch row r is the Khatri-Rao product (u_r . [wm h, bm])(v_r . delta) / sqrt(m) with u_r, v_r ~ N(0, I):
 * O(n m (in + k out)) per layer; layers get independent sketches, summed. Every sketch row is independent and unbiased:
 *   E[K_sketch] = K,  Var K_sketch(i, j) = Var(w)/m, for one layer and one output, with h~ = [wm h, bm]:
 *   Var(w) = (|h~_i|^2 |h~_j|^2 + 2 (h~_i.h~_j)^2)(|d_i|^2 |d_j|^2 + 2 (d_i.d_j)^2) - (h~_i.h~_j)^2 (d_i.d_j)^2
 * (on the diagonal: 8 K_ii^2 / m, against 2 K_ii^2 / m for a dense Gaussian JL of the gradient); the error falls like 1/sqrt(m).
 */
import { InvalidOptionError, MemoryBudgetError, NonFiniteError, UnsupportedModelError } from '../../errors';
import { Matrix, gramAsync, linalgInfo, matmulAsync } from '../../linalg';
import { Rng, deriveSeed } from '../../random';
import { ExplicitNetwork, NtkModel, explicitNetwork } from '../explicit/network';
import { explicitFeatures, releaseFeatures } from '../explicit/features';
import { InputBatch, firstNonFinite, toInputMatrix } from '../input';
import { Kernel } from '../kernel';
import { defaultMaxBytes, explicitMemoryEstimate, formatBytes } from '../memory';
import { countOption, seedOption } from './rows';
import { sketchError } from './sketch-error';
import { ApproxResult } from './types';

/** Options of `sketchedNtk`. */
export interface SketchedNtkOptions {
  /** Sketch dimension m: features per example and output (positive integer). */
  dim: number;
  /** Seed of the sketch (default 0): the same seed sketches every batch alike, so features of batches can be streamed and combined. */
  seed?: number;
  /** Form the n x n kernel (default true); false: features only. */
  kernel?: boolean;
  /** Off-diagonal example pairs sampled for the error estimate, besides all n diagonal ones (default 512). */
  pairs?: number;
  /** Memory budget in bytes (default: half of the available memory), checked before allocating. */
  maxBytes?: number;
}

/** The sketched NTK, its features and its error estimate. */
export interface SketchedNtkResult extends ApproxResult {
  /** n x n ~ trace-NTK (sum over outputs), or null with `kernel: false`. */
  kernel: Kernel | null;
  /** (n k) x m, row i k + a = S g_i^a (the sketch of output a's gradient at example i); the kernel is their Gram summed over a. */
  features: Matrix<Float32Array>;
  /** Outputs k of the model. */
  outputs: number;
}

function network(model: NtkModel): ExplicitNetwork {
  try {
    return explicitNetwork(model);
  } catch (e) {
    if (e instanceof UnsupportedModelError) {
      throw new UnsupportedModelError(`sketchedNtk sketches dense layers' outer-product gradients: it takes an ntk-lab Mlp or a tf.Sequential of Dense layers (${e.message.split(':')[0]}); use pseudoNtk or nystromNtk for other models`);
    }
    throw e;
  }
}

/** Sketch features Z [(n k), m] of every layer's weight and bias gradients, summed (independent sketches per layer). */
async function sketchFeatures(net: ExplicitNetwork, x: Matrix<Float32Array>, m: number, seed: number): Promise<Float32Array> {
  const n = x.rows;
  const L = net.layers.length;
  const k = net.layers[L - 1].outDim;
  const Z = new Float32Array(n * k * m);
  const f = await explicitFeatures(net, x, 'trace');
  try {
    for (let l = 0; l < L; l++) {
      const spec = net.layers[l];
      const gauss = (what: string, rows: number): Matrix<Float32Array> => ({ rows, cols: m, data: new Rng(deriveSeed(seed, `sketch/layer${l + 1}/${what}`)).normals32(rows * m) });
      // The layer's weight and bias gradients together are one outer product [wm h, bm] (x) delta: one sketch for both.
      const U = (await matmulAsync(f[l].h, gauss('input', spec.inDim), { alpha: spec.weightMultiplier, checkFinite: false })).data;
      if (spec.bias) {
        const a = gauss('bias', 1).data;
        for (let i = 0; i < n; i++) for (let r = 0; r < m; r++) U[i * m + r] += spec.biasMultiplier * a[r];
      }
      const V = (await matmulAsync(f[l].d, gauss('delta', spec.outDim), { checkFinite: false })).data;
      const c = 1 / Math.sqrt(m);
      for (let i = 0; i < n; i++) {
        const u = i * m;
        for (let a = 0; a < k; a++) {
          const o = (i * k + a) * m;
          for (let r = 0; r < m; r++) Z[o + r] += c * U[u + r] * V[o + r];
        }
      }
    }
  } finally {
    releaseFeatures(f);
  }
  return Z;
}

/**
 * Sketched NTK of an MLP on x [n, inputDim]: features (n k) x m and the n x n trace-NTK estimate (units of the NTK),
 * unbiased, relative error ~ c / sqrt(m); error.estimate is the expected relative Frobenius error from the sketch's variance.
 */
export async function sketchedNtk(model: NtkModel, x: InputBatch, opts: SketchedNtkOptions): Promise<SketchedNtkResult> {
  const m = opts?.dim;
  if (typeof m !== 'number' || !Number.isInteger(m) || m <= 0) throw new InvalidOptionError(`dim (the sketch dimension m) must be a positive integer, got ${String(m)}`);
  const seed = seedOption(opts.seed);
  const pairs = countOption('pairs', opts.pairs, 512);
  const withKernel = opts.kernel ?? true;
  const maxBytes = opts.maxBytes ?? defaultMaxBytes();
  if (!(maxBytes > 0)) throw new InvalidOptionError(`maxBytes must be a positive number of bytes, got ${maxBytes}`);
  const net = network(model);
  const xm = toInputMatrix(x, 'x', net.layers[0].inDim);
  const n = xm.rows;
  const L = net.layers.length;
  const k = net.layers[L - 1].outDim;

  const features = explicitMemoryEstimate({ n1: n, n2: n, symmetric: true, layers: net.layers, layout: 'trace', outputs: 0 }).features;
  const perLayer = Math.max(...net.layers.map((s) => 4 * m * (n + n * k + s.inDim + s.outDim + 1)));
  const need = features + 4 * n * k * m + perLayer + (withKernel ? 4 * n * n : 0);
  if (need > maxBytes) {
    throw new MemoryBudgetError(
      `sketchedNtk of ${n} examples, k = ${k}, m = ${m} needs about ${formatBytes(need)} (sketch features ${formatBytes(4 * n * k * m)}, ` +
        `kernel ${formatBytes(withKernel ? 4 * n * n : 0)}), over maxBytes = ${formatBytes(maxBytes)}: use a smaller dim, fewer examples per call (the same seed sketches every batch alike), or kernel: false`,
      need,
      maxBytes,
    );
  }

  const start = performance.now();
  const Z = await sketchFeatures(net, xm, m, seed);
  const bad = firstNonFinite(Z);
  if (bad >= 0) {
    throw new NonFiniteError(`sketchedNtk: the sketch holds ${Z[bad]} at example ${Math.floor(bad / (k * m))}: the network's activations or gradients overflow float32 for these inputs; rescale the inputs or the weights`);
  }
  let kernel: Kernel | null = null;
  if (withKernel) {
    const G = await gramAsync({ rows: n, cols: k * m, data: Z }, { checkFinite: false });
    const badK = firstNonFinite(G.data);
    if (badK >= 0) {
      throw new NonFiniteError(`sketchedNtk: the kernel holds ${G.data[badK]} at [${Math.floor(badK / n)}, ${badK % n}]: it overflows float32 for these inputs; rescale the inputs or the weights`);
    }
    kernel = new Kernel({
      values: G.data,
      shape: [n, n],
      kind: 'ntk',
      layout: 'trace',
      outputs: k,
      label: `sketched-ntk:m=${m}`,
      symmetric: true,
      backend: `${linalgInfo().implementation} (sketch)`,
      wallTimeMs: performance.now() - start,
      normalization: `Khatri-Rao Gaussian sketch of dimension ${m} (seed ${seed}) of the per-example gradients, unbiased for the trace NTK of ${net.description}`,
    });
  }
  const wallTimeMs = performance.now() - start;

  const errStart = performance.now();
  let frob2: number | null = null;
  if (kernel) {
    frob2 = 0;
    for (let q = 0; q < kernel.values.length; q++) frob2 += kernel.values[q] * kernel.values[q];
  }
  const e = m >= 2 ? sketchError(Z, n, k, m, pairs, new Rng(deriveSeed(seed, 'sketch/pairs')), frob2) : null;
  const error = e
    ? { estimate: e.estimate, subset: e.pairs, method: `expected error from the variance over the ${m} independent sketch rows, on all ${n} diagonal and ${e.pairs - n} random off-diagonal pairs` }
    : { estimate: NaN, subset: 0, method: 'not estimated: a sketch of one row has no variance estimate (dim >= 2)' };
  const dims = net.layers.map((s) => s.inDim + k * s.outDim).reduce((a, b) => a + b, 0);
  const cost = {
    wallTimeMs,
    errorWallTimeMs: performance.now() - errStart,
    exactEntries: 0,
    description: `one forward and one ${k}-output backward pass, then ${n} x ${m} sketch products (${(2 * n * m * dims / 1e9).toFixed(3)} GFLOP)${withKernel ? ` and a ${n} x ${k * m} Gram` : ''}; no exact kernel entry`,
  };
  return { kernel, features: { rows: n * k, cols: m, data: Z }, outputs: k, error, cost };
}
