/**
 * Quadrature rules for the Gaussian integrals of the infinite-width recursion, chosen for ~1e-15 accuracy on the
 * smooth activations (tanh, sigmoid, gelu, softplus and their derivatives) at any pre-activation scale.
 *
 * Why not the 320-node Gauss-Hermite rule of ../quadrature everywhere: E tanh(s xi)^2 by it is off by 4e-11 at
 * s = 2 and 3e-9 at s = 2.4 (tanh has poles at +-i pi / 2, so t -> tanh(s t) is analytic only in a strip of
 * half-width pi / (2 s), and Gauss-Hermite converges like exp(-c sqrt(n) / s)). Composite Gauss-Legendre with
 * panels of width ~1/s keeps every panel well inside that strip: 12 nodes per panel of width min(1, 1/s) (valueRule)
 * give E g(s xi)^2 to 1e-15 relative for every engine activation and its derivative, s from 0.3 to 10 (checked
 * against 25-digit mpmath quadrature while this was written; test/theory/limits-dual.test.ts checks it on erf and
 * the pairs built on these rules against QUADPACK). At small scales Gauss-Hermite is far cheaper and exact enough:
 * smoothRule takes the fewest nodes that reach the scale (a measured table), the composite rule beyond.
 */
import type { QuadratureRule } from '../quadrature';
import { gaussHermite, gaussLegendre } from '../quadrature';

const INV_SQRT_2PI = 0.3989422804014327;

/**
 * Composite Gauss-Legendre rule for E f(xi), xi ~ N(0, 1): [-halfWidth, halfWidth] cut into equal panels no wider
 * than `panelWidth`, `order` nodes each; the weights include the N(0, 1) density.
 */
export function compositeGaussianRule(halfWidth: number, panelWidth: number, order: number): QuadratureRule {
  const panels = Math.max(1, Math.ceil((2 * halfWidth) / panelWidth));
  const h = (2 * halfWidth) / panels;
  const gl = gaussLegendre(order);
  const nodes = new Float64Array(panels * order);
  const weights = new Float64Array(panels * order);
  for (let p = 0; p < panels; p++) {
    const mid = -halfWidth + (p + 0.5) * h;
    for (let j = 0; j < order; j++) {
      const x = mid + 0.5 * h * gl.nodes[j];
      nodes[p * order + j] = x;
      weights[p * order + j] = 0.5 * h * gl.weights[j] * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }
  }
  return { nodes, weights };
}

/**
 * Where the value rules stop: the N(0, 1) density at 10 is 7.7e-23, and the engine's activations grow at most
 * linearly, so the tails beyond hold < 1e-20 of any E g(u) g(v) here.
 */
const VALUE_TAIL = 10;
/**
 * Hermite coefficients up to order 160 need more: h_160(t) oscillates with wavelength ~0.35 near 0, so the
 * coefficient rule is finer (20 nodes per half unit, as ../quadrature's split rule: 3 wavelengths per panel, where
 * 20-node Gauss-Legendre errs by ~1e-22) and longer (by Cauchy-Schwarz, the part of zeta_k = E g(s xi) h_k(xi) beyond
 * |xi| = 14 is below sqrt(E[g^2; |xi| > 14]) ~ 1e-22 for every k, as E h_k^2 = 1).
 */
const COEFFICIENT_TAIL = 14;

const valueCache = new Map<number, QuadratureRule>();
const coefficientCache = new Map<number, QuadratureRule>();

/** n rounded up to 4 significant levels per octave (16, 20, 24, 28, 32, 40, ...): a few cached rules serve every scale. */
function ladder(n: number): number {
  if (n <= 16) return n;
  const step = 2 ** (Math.floor(Math.log2(n)) - 2);
  return Math.ceil(n / step) * step;
}

function cached(cache: Map<number, QuadratureRule>, halfWidth: number, panelWidth: number, order: number): QuadratureRule {
  // More panels than asked only shrink them (more accurate); the ladder bounds how many rules (and the coefficient
  // rule's Hermite tables, (160 + 1) x nodes each) exist at once.
  const panels = ladder(Math.max(1, Math.ceil((2 * halfWidth) / panelWidth)));
  let rule = cache.get(panels);
  if (!rule) {
    rule = compositeGaussianRule(halfWidth, (2 * halfWidth) / panels, order);
    cache.set(panels, rule);
  }
  return rule;
}

/** The rule for E g(s xi) h(xi) with g smooth on the scale 1 and h no sharper than g(s .): panels of min(1, 1/s), 12 nodes. */
export function valueRule(scale: number): QuadratureRule {
  return cached(valueCache, VALUE_TAIL, Math.min(1, 1 / Math.max(scale, 1e-300)), 12);
}

/** The rule for the Hermite coefficients zeta_0..zeta_160 of t -> g(s t): panels of min(0.5, 1.25/s), 20 nodes, on [-14, 14]. */
export function coefficientRule(scale: number): QuadratureRule {
  return cached(coefficientCache, COEFFICIENT_TAIL, Math.min(0.5, 1.25 / Math.max(scale, 1e-300)), 20);
}

const POINT: QuadratureRule = { nodes: Float64Array.of(0), weights: Float64Array.of(1) };

/**
 * How far Gauss-Hermite reaches: [n, s] = with n nodes, E g(mu + s y) and E g(mu + s y)^2 (y ~ N(0, 1), mu in
 * {0, 0.3, 1, 2.5}) are within 2e-14 of the value rule for every scale up to s (measured on a grid of scales while
 * this was written; test/theory/limits-dual.test.ts checks the pairs built on them against QUADPACK). Where the
 * activation is smooth on a wide strip (sigmoid, softplus: poles at +-i pi) fewer nodes reach further than for tanh
 * (poles at +-i pi / 2).
 */
const GH_REACH: Record<string, readonly (readonly [number, number])[]> = {
  'tanh:phi': [[10, 0.1], [16, 0.2], [24, 0.3], [48, 0.5], [64, 0.6], [96, 0.7], [128, 0.9], [160, 1]],
  'tanh:dphi': [[10, 0.1], [16, 0.2], [32, 0.3], [48, 0.4], [64, 0.5], [96, 0.6], [128, 0.8], [160, 0.9]],
  'sigmoid:phi': [[10, 0.2], [16, 0.4], [24, 0.6], [32, 0.8], [48, 1], [64, 1.2], [96, 1.4], [128, 1.7], [160, 2]],
  'sigmoid:dphi': [[10, 0.2], [16, 0.4], [24, 0.5], [32, 0.7], [48, 0.9], [64, 1], [96, 1.2], [128, 1.4], [160, 1.7]],
  'gelu:phi': [[10, 0.15], [16, 0.3], [24, 0.6], [32, 0.7], [48, 1], [64, 1.2], [96, 1.4], [128, 1.7], [160, 2]],
  'gelu:dphi': [[10, 0.15], [16, 0.3], [24, 0.5], [32, 0.7], [48, 0.9], [64, 1.2], [96, 1.4], [128, 1.7], [160, 2]],
  'softplus:phi': [[10, 0.3], [16, 0.5], [24, 0.7], [32, 0.9], [48, 1.2], [64, 1.4], [96, 1.7], [128, 2], [160, 2.5]],
  'softplus:dphi': [[10, 0.2], [16, 0.4], [24, 0.6], [32, 0.8], [48, 1], [64, 1.2], [96, 1.4], [128, 1.7], [160, 2]],
  'erf:phi': [[10, 0.1], [16, 0.2], [24, 0.4], [32, 0.5], [48, 0.7], [64, 0.9], [96, 1.2], [128, 1.4]],
  'erf:dphi': [[10, 0.1], [16, 0.2], [24, 0.4], [32, 0.5], [48, 0.7], [64, 0.8], [96, 1], [128, 1.2]],
};
/** The scale must be this much inside a measured reach (the reach was measured on a grid of scales). */
const REACH_MARGIN = 1.25;

/**
 * The rule for E F(xi) where F is g(s xi) times something no sharper (g = phi or phi' of an engine activation, `of`
 * saying which): the smallest Gauss-Hermite rule that reaches s, else the value rule. Activations without a table
 * take the value rule.
 */
export function smoothRule(act: string, of: 'phi' | 'dphi', scale: number): QuadratureRule {
  if (scale === 0) return POINT;
  for (const [n, reach] of GH_REACH[`${act}:${of}`] ?? []) if (scale * REACH_MARGIN <= reach) return gaussHermite(n);
  return valueRule(scale);
}
