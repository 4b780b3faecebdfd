/**
 * The infinite-width NNGP and NTK of an MLP by the layer recursion (Neal 1996, Lee et al. 2018, Jacot et al. 2018;
 * neural-tangents' stax.Dense kernel_fn for both parameterisations), in float64, for x1 against x1 or x2.
 *
 * With K_0(x, x') = x . x' / d0 and, per layer l = 1..L+1 (./layers' LayerFactors s^2, beta^2, kappa, bm^2),
 *   Sigma_l  = s_l^2 K_{l-1} + beta_l^2                         (covariance of a unit of z_l)
 *   K_l      = E phi_l(u) phi_l(u'),   Kdot_l = E phi_l'(u) phi_l'(u'),   (u, u') ~ N(0, Sigma_l)  (l <= L)
 *   Theta_1  = kappa_1 K_0 + bm_1^2,   Theta_l = kappa_l K_{l-1} + bm_l^2 + s_l^2 Kdot_{l-1} Theta_{l-1}
 * the NNGP of each output is Sigma_{L+1} and its NTK Theta_{L+1}. Here K_l is also the limit of ntk-lab's
 * CK_l = h_l . h_l' / n_l. Each Gaussian expectation is ./dual-map's, per pair of inputs; the diagonal variances
 * Sigma_l(x, x) are carried for x1 and x2 separately, so cross-kernels cost n1 n2 pairs per layer.
 */
import { ShapeError } from '../../errors';
import type { Matrix } from '../../linalg';
import { DualMap } from './dual-map';
import { type LimitLayer, layerFactors } from './layers';

/** The kernels of every layer, n1 x n2 row-major float64 each (n2 = n1 when x2 is omitted). */
export interface InfiniteWidthKernels {
  n1: number;
  n2: number;
  /** True when x2 was omitted (every matrix is then exactly symmetric). */
  symmetric: boolean;
  /** Sigma_l for l = 1..L+1 at index l - 1: covariance of one unit of layer l's pre-activations. nngp[L] is the NNGP of each output. */
  nngp: Float64Array[];
  /** Theta_l for l = 1..L+1 at index l - 1: the NTK of one unit of z_l with respect to layers 1..l. ntk[L] is the NTK of each output. */
  ntk: Float64Array[];
  /** K_l for l = 0..L at index l: K_0 = x . x' / d0, K_l = E phi(u) phi(u') (the limit of ck(net, x1, x2, { layer: l })). */
  ck: Float64Array[];
}

/** A layer's kernel on x1 x x2 (or x1 x x1) with the diagonals that the next layer's variances need. */
interface Blocks {
  d1: Float64Array;
  d2: Float64Array;
  cross: Float64Array;
}

function gram(x1: Matrix<Float64Array>, x2: Matrix<Float64Array> | null): Blocks {
  const d = x1.cols;
  const b = x2 ?? x1;
  const n1 = x1.rows;
  const n2 = b.rows;
  const rowNorms = (m: Matrix<Float64Array>): Float64Array => {
    const out = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += m.data[i * d + t] * m.data[i * d + t];
      out[i] = s / d;
    }
    return out;
  };
  const d1 = rowNorms(x1);
  const d2 = x2 ? rowNorms(x2) : d1;
  const cross = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++) {
    for (let j = x2 ? 0 : i; j < n2; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += x1.data[i * d + t] * b.data[j * d + t];
      cross[i * n2 + j] = s / d;
      if (!x2) cross[j * n2 + i] = s / d;
    }
  }
  if (!x2) for (let i = 0; i < n1; i++) cross[i * n2 + i] = d1[i];
  return { d1, d2, cross };
}

function affine(k: Blocks, scale: number, shift: number, symmetric: boolean): Blocks {
  const map = (a: Float64Array): Float64Array => a.map((v) => scale * v + shift);
  const d1 = map(k.d1);
  return { d1, d2: symmetric ? d1 : map(k.d2), cross: map(k.cross) };
}

/** E g(u) g(u') for every pair of the blocks' inputs under the covariance `sigma`; the diagonals only for 'phi'. */
function dual(map: DualMap, sigma: Blocks, n1: number, n2: number, symmetric: boolean, withDiagonals: boolean): Blocks {
  const cross = new Float64Array(n1 * n2);
  const { d1, d2 } = sigma;
  for (let i = 0; i < n1; i++) {
    if (symmetric) {
      cross[i * n2 + i] = map.diagonal(d1[i]);
      for (let j = 0; j < i; j++) {
        const v = map.pair(d1[i], d1[j], sigma.cross[i * n2 + j]);
        cross[i * n2 + j] = v;
        cross[j * n2 + i] = v;
      }
    } else {
      for (let j = 0; j < n2; j++) cross[i * n2 + j] = map.pair(d1[i], d2[j], sigma.cross[i * n2 + j]);
    }
  }
  if (!withDiagonals) return { d1: new Float64Array(0), d2: new Float64Array(0), cross };
  const e1 = d1.map((q) => map.diagonal(q));
  return { d1: e1, d2: symmetric ? e1 : d2.map((q) => map.diagonal(q)), cross };
}

/** What a caller needs of the recursion: the NTK (which needs every Kdot) or not, and up to which layer. */
export interface RecursionNeeds {
  /** Compute Theta_l (default true); without it `ntk` is empty and each layer costs half. */
  ntk?: boolean;
  /** Stop after K_layer (0..L; default L + 1, everything): ckLimit of a lower layer needs no more. */
  layer?: number;
}

/**
 * NNGP, NTK and CK limits of the MLP `layers` (checked by ./layers' limitLayers first) on x1 (n1 x d0) against x2
 * (n2 x d0; x1 itself when omitted). Inputs are float64 matrices (the public functions convert theirs).
 */
export function infiniteWidthRecursion(layers: readonly LimitLayer[], x1: Matrix<Float64Array>, x2?: Matrix<Float64Array>, needs: RecursionNeeds = {}): InfiniteWidthKernels {
  const d0 = layers[0].inDim;
  for (const [name, x] of [['x1', x1], ['x2', x2]] as const) {
    if (x && x.cols !== d0) throw new ShapeError(`${name}: inputs have dimension ${x.cols}, the model expects ${d0} (shape [${x.rows}, ${x.cols}])`);
  }
  const symmetric = !x2;
  const n1 = x1.rows;
  const n2 = x2 ? x2.rows : n1;
  const factors = layerFactors(layers);
  let k = gram(x1, x2 ?? null);
  const ck = [k.cross];
  let sigma = affine(k, factors[0].s2, factors[0].bias2, symmetric);
  const withNtk = needs.ntk ?? true;
  const last = Math.min(factors.length - 1, needs.layer ?? factors.length - 1);
  let theta = withNtk ? k.cross.map((v) => factors[0].kappa * v + factors[0].biasKappa) : new Float64Array(0);
  const nngp = [sigma.cross];
  const ntk = withNtk ? [theta] : [];
  for (let l = 1; l <= last; l++) {
    const act = factors[l - 1].activation;
    k = dual(new DualMap(act, 'phi'), sigma, n1, n2, symmetric, true);
    const f = factors[l];
    if (withNtk) {
      const kdot = dual(new DualMap(act, 'dphi'), sigma, n1, n2, symmetric, false).cross;
      const next = new Float64Array(n1 * n2);
      for (let p = 0; p < next.length; p++) next[p] = f.kappa * k.cross[p] + f.biasKappa + f.s2 * kdot[p] * theta[p];
      theta = next;
      ntk.push(theta);
    }
    sigma = affine(k, f.s2, f.bias2, symmetric);
    ck.push(k.cross);
    nngp.push(sigma.cross);
  }
  return { n1, n2, symmetric, nngp, ntk, ck };
}
