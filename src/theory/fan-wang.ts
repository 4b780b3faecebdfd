/**
 * Fan & Wang (NeurIPS 2020, arXiv 2005.11879): limiting spectra of the CK and the NTK of a multilayer network
 * in the linear-width regime n / d_l -> gamma_l, for their data model: inputs X_0 (d_0 x n) with unit-norm,
 * nearly orthogonal columns ("epsilon-orthonormal") whose Gram X_0^T X_0 has a limiting spectrum mu_0;
 * layers X_l = sigma(W_l X_{l-1}) / sqrt(d_l), W_l iid N(0, 1), no biases, sigma normalised:
 * E sigma(xi) = 0, E sigma(xi)^2 = 1 for xi ~ N(0, 1); b_sigma = E sigma'(xi), a_sigma = E sigma'(xi)^2.
 *
 * - CK of layer L: mu_L = MP_{gamma_L} boxtimes ((1 - b^2) + b^2 mu_{L-1}), the iterated Marchenko-Pastur map.
 * - NTK (output f = w^T X_L, w ~ N(0, I)): K ~ r_+ I + sum_{l=0..L} q_l X_l^T X_l with q_L = 1,
 *   q_l = prod_{k=l+1..L} b_k^2 and r_+ = sum_{l=1..L} (prod_{k=l..L} a_k - prod_{k=l..L} b_k^2) (one activation:
 *   q_l = b^{2(L-l)}, r_+ = sum_{l=0..L-1} (a^{L-l} - b^{2(L-l)})); derivation in docs/theory.md. Its spectrum
 *   solves the recursive fixed-point equations of ./linear-width.
 * Both are solved by ./linear-width; docs/theory.md maps ntk-lab's units (unnormalised activations, any
 * sigma_w) onto these, and theoryFor() does it from a model.
 */
import { InvalidOptionError } from '../errors';
import type { SpectralLaw } from './law';
import { checkLinearWidth, linearWidthBounds, LinearWidthLayer, linearWidthProblem, LinearWidthSpec } from './linear-width';
import { discreteMeasure, DiscreteMeasure, pointMass } from './measure';

/**
 * The input data model: the spectrum of G_0 = X_0^T X_0 (a measure, or its eigenvalues), or Gaussian inputs
 * X_0 = Z / sqrt(d_0) with gamma_0 = n / d_0, whose G_0 follows MP(gamma_0) (handled as one more linear layer).
 */
export type FanWangInput = DiscreteMeasure | ArrayLike<number> | { gaussian: number };

/** One hidden layer: ratio = gamma_l = n / d_l, b = b_sigma of its normalised activation. */
export type FanWangLayer = LinearWidthLayer;

/** Parameters of fanWangCk(). */
export interface FanWangCkParams {
  input: FanWangInput;
  /** Hidden layers 1..L; the law is the CK of the last one. */
  layers: readonly FanWangLayer[];
  /** Units: the law of scale * X_L^T X_L (default 1, Fan & Wang's normalisation). */
  scale?: number;
}

/** Parameters of fanWangNtk(): the law of rPlus I + sum_l q[l] X_l^T X_l. */
export interface FanWangNtkParams {
  input: FanWangInput;
  layers: readonly FanWangLayer[];
  /** r_+, the multiple of the identity. */
  rPlus: number;
  /** q_0 .. q_L (L + 1 values >= 0). */
  q: readonly number[];
}

function inputSpec(fn: string, input: FanWangInput, layers: readonly FanWangLayer[], identity: number, weights: readonly number[]): LinearWidthSpec {
  if (typeof input === 'object' && input !== null && 'gaussian' in input) {
    const g0 = input.gaussian;
    if (!(Number.isFinite(g0) && g0 > 0)) throw new InvalidOptionError(`${fn}: input.gaussian (gamma_0 = n / d_0) must be a finite number > 0, got ${g0}`);
    // G_0 = Z^T Z / d_0 is the CK of a linear layer (b = 1) on orthonormal inputs: one more layer, input delta_1.
    return { input: pointMass(1), layers: [{ ratio: g0, b: 1 }, ...layers], identity, weights: [0, ...weights] };
  }
  const measure = typeof input === 'object' && input !== null && 'values' in input && 'weights' in input
    ? input
    : discreteMeasure(input as ArrayLike<number>, undefined, `${fn}: input`);
  return { input: measure, layers: [...layers], identity, weights: [...weights] };
}

function describeInput(input: FanWangInput): string | number {
  if (typeof input === 'object' && input !== null && 'gaussian' in input) return `gaussian(gamma_0 = ${input.gaussian})`;
  const n = typeof input === 'object' && input !== null && 'values' in input && 'weights' in input ? input.values.length : (input as ArrayLike<number>).length;
  return `discrete (${n} atoms)`;
}

function lawFrom(name: string, citation: string, spec: LinearWidthSpec, params: SpectralLaw['params']): SpectralLaw {
  checkLinearWidth(name, spec);
  const [lo, hi] = linearWidthBounds(spec);
  return { name, params, citation, bounds: [lo, hi], atomCandidates: [spec.identity], problem: linearWidthProblem(spec) };
}

/** Fan & Wang's limiting CK spectrum of the last of `layers` (iterated Marchenko-Pastur map), in units of `scale`. */
export function fanWangCk(params: FanWangCkParams): SpectralLaw {
  const L = params.layers.length;
  if (L < 1) throw new InvalidOptionError('fanWangCk: layers must hold at least one hidden layer');
  const scale = params.scale ?? 1;
  if (!(Number.isFinite(scale) && scale > 0)) throw new InvalidOptionError(`fanWangCk: scale must be a finite number > 0, got ${scale}`);
  const weights = new Array<number>(L + 1).fill(0);
  weights[L] = scale;
  const spec = inputSpec('fanWangCk', params.input, params.layers, 0, weights);
  return lawFrom('fan-wang-ck', 'Fan & Wang (NeurIPS 2020, arXiv 2005.11879): CK limit, iterated Marchenko-Pastur map', spec, {
    input: describeInput(params.input),
    ratios: params.layers.map((l) => l.ratio),
    b: params.layers.map((l) => l.b),
    scale,
  });
}

/** Fan & Wang's limiting NTK spectrum: the law of rPlus I + sum_l q_l X_l^T X_l (coefficients from fanWangNtkCoefficients or theoryFor). */
export function fanWangNtk(params: FanWangNtkParams): SpectralLaw {
  const L = params.layers.length;
  if (L < 1) throw new InvalidOptionError('fanWangNtk: layers must hold at least one hidden layer');
  if (params.q.length !== L + 1) throw new InvalidOptionError(`fanWangNtk: q must hold L + 1 = ${L + 1} coefficients (q_0..q_L), got ${params.q.length}`);
  if (!(Number.isFinite(params.rPlus) && params.rPlus >= 0)) throw new InvalidOptionError(`fanWangNtk: rPlus (r_+) must be finite and >= 0, got ${params.rPlus}`);
  const spec = inputSpec('fanWangNtk', params.input, params.layers, params.rPlus, params.q);
  return lawFrom('fan-wang-ntk', 'Fan & Wang (NeurIPS 2020, arXiv 2005.11879): NTK limit, r_+ I + sum_l q_l X_l^T X_l by recursive fixed-point equations', spec, {
    input: describeInput(params.input),
    ratios: params.layers.map((l) => l.ratio),
    b: params.layers.map((l) => l.b),
    rPlus: params.rPlus,
    q: [...params.q],
  });
}

/**
 * The NTK coefficients in Fan & Wang's normalisation, for per-layer a_l = E sigma_l'(xi)^2, b_l = E sigma_l'(xi)
 * (l = 1..L): q_L = 1, q_{l-1} = prod_{k=l..L} b_k^2, r_+ = sum_{l=1..L} (prod_{k=l..L} a_k - prod_{k=l..L} b_k^2).
 */
export function fanWangNtkCoefficients(layers: readonly { a: number; b: number }[]): { rPlus: number; q: number[] } {
  const L = layers.length;
  if (L < 1) throw new InvalidOptionError('fanWangNtkCoefficients: layers must hold at least one hidden layer');
  layers.forEach((l, i) => {
    if (!(Number.isFinite(l.a) && Number.isFinite(l.b) && l.a >= l.b * l.b - 1e-12)) {
      throw new InvalidOptionError(`fanWangNtkCoefficients: layers[${i}] needs finite a >= b^2 (a = E sigma'^2 >= (E sigma')^2 = b^2), got a = ${l.a}, b = ${l.b}`);
    }
  });
  const q = new Array<number>(L + 1).fill(0);
  q[L] = 1;
  let D = 1;
  let B = 1;
  let rPlus = 0;
  for (let l = L; l >= 1; l--) {
    D *= layers[l - 1].a;
    B *= layers[l - 1].b * layers[l - 1].b;
    q[l - 1] = B;
    rPlus += D - B;
  }
  return { rPlus, q };
}
