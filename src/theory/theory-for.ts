/**
 * theoryFor(model, data): which limiting law describes a model's CK or NTK spectrum on these inputs, with its
 * parameters derived from the model's layers and weights and from the data, evaluated on a grid.
 *
 * - 'linear-width' (Fan & Wang 2020): any depth, widths comparable to n. Their normalisation (sigma with
 *   E sigma = 0, E sigma^2 = 1, unit pre-activation variance) is reached by rescaling each layer: with the
 *   pre-activation variance tau_l (tau_1 = s_1^2 mean ||x||^2 / d0, tau_{l+1} = s_{l+1}^2 v_l), v_l = E phi(sqrt(tau_l) xi)^2,
 *   the normalised activation is sigma_l(t) = phi(sqrt(tau_l) t) / sqrt(v_l), b_l = sqrt(tau_l) E phi'(.) / sqrt(v_l),
 *   and ntk-lab's CK_l = h_l . h_l' / n_l equals v_l X_l^T X_l. Here s_l^2 = m_l^2 w_l^2 n_{l-1} is the forward
 *   variance factor of layer l (m_l its weight multiplier, w_l^2 the mean square of its weights: NTK and standard
 *   parameterisations alike). The NTK coefficients are derived in docs/theory.md. Needs: no biases, activations
 *   with E phi(sqrt(tau) xi) = 0 (tanh, erf, linear), a scalar linear output.
 * - 'ultra-wide' (Wang & Zhu 2021): one hidden layer, d1 >> n. The law of sqrt(d1/n) (K - E K), nu = the
 *   spectrum of the exact expected kernel Phi (./dual-kernel) computed on these inputs (biases allowed), with
 *   the finite-width correction alpha = d1 / n unless widthCorrection is false.
 * 'auto' picks 'ultra-wide' for one hidden layer with d1 >= 10 n, else 'linear-width'.
 *
 *   const t = await theoryFor(net, x, { kernel: 'ck' });
 *   const s = await spectrum(await ck(net, x), { theory: t });   // KS / W1 to the law, spikes beyond its edge
 */
import type { Table } from 'apache-arrow';
import type { DensityColumns } from '../arrow';
import type { JsonValue } from '../arrow/metadata';
import { InvalidOptionError, ShapeError, UnsupportedModelError } from '../errors';
import { eighAsync, gramAsync, type Matrix } from '../linalg';
import { activation as engineActivation, type ActivationName } from '../models/activations';
import { explicitNetwork, type NtkModel } from '../ntk/explicit/network';
import { toInputMatrix, type InputBatch } from '../ntk/input';
import type { Kernel } from '../ntk/kernel';
import { lawDensity, type LawDensity } from './density';
import { densityTable, lawCurve } from './density-table';
import { expectedKernel } from './dual-kernel';
import { fanWangCk, fanWangNtk } from './fan-wang';
import { hermite } from './hermite';
import type { SpectralLaw } from './law';
import { deformedSemicircle } from './wang-zhu';

/** Options of theoryFor(). */
export interface TheoryOptions {
  /** Which kernel: 'ck' (default) or 'ntk'. */
  kernel?: 'ck' | 'ntk';
  /** ck: the hidden layer (1..L, default L). */
  layer?: number;
  /** 'auto' (default), 'linear-width' (Fan & Wang) or 'ultra-wide' (Wang & Zhu). */
  regime?: 'auto' | 'linear-width' | 'ultra-wide';
  /** ultra-wide: apply the finite-width correction alpha = d1 / n (default true); false gives the pure limit. */
  widthCorrection?: boolean;
  /** Grid of the density (default: automatic, see lawDensity). */
  grid?: ArrayLike<number>;
  /** Points of the automatic grid (default 1000). */
  points?: number;
  /** run_id written into the Arrow table (default: a random UUID). */
  runId?: string;
}

/** How a data assumption of the law holds on these inputs. */
export interface AssumptionCheck {
  name: string;
  value: number;
  note: string;
}

/** The law that applies, evaluated, and how to compare a kernel with it. */
export interface TheoryResult {
  regime: 'linear-width' | 'ultra-wide';
  kernel: 'ck' | 'ntk';
  law: SpectralLaw;
  density: LawDensity;
  /** The density as an Arrow 'density' result (one curve, 'theory'; law, parameters, atoms and support in the `laws` metadata). */
  table: Table<DensityColumns>;
  /** identity: the law is the kernel's spectrum; centred: the law is that of scale * (K - centre). */
  transform: { kind: 'identity' } | { kind: 'centred'; scale: number; centre: Matrix<Float64Array> };
  /** The matrix (n x n float64) whose spectrum the law describes, from the empirical kernel. */
  prepare(kernel: Kernel | Matrix): Matrix<Float64Array>;
  /** What was derived from the model and the data (JSON, also in the table's metadata). */
  parameters: { [key: string]: JsonValue };
  assumptions: AssumptionCheck[];
}

interface LayerFacts {
  act: ActivationName;
  inDim: number;
  outDim: number;
  /** s^2 = m^2 w^2 n_{l-1}: forward variance factor. */
  s2: number;
  /** kappa = m^2 n_{l-1}: the weight gradient's factor in the NTK. */
  kappa: number;
  /** Bias: forward variance (bm^2 mean b^2) and NTK factor bm^2; 0 without a bias. */
  bias2: number;
  biasKappa: number;
}

function meanSquare(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return s / Math.max(1, a.length);
}

function layerFacts(model: NtkModel): LayerFacts[] {
  const net = explicitNetwork(model);
  return net.layers.map((spec, i) => {
    const w = net.weights[i];
    const m2 = spec.weightMultiplier ** 2;
    return {
      act: spec.activation,
      inDim: spec.inDim,
      outDim: spec.outDim,
      s2: m2 * meanSquare(w.W) * spec.inDim,
      kappa: m2 * spec.inDim,
      bias2: spec.bias && w.b ? spec.biasMultiplier ** 2 * meanSquare(w.b) : 0,
      biasKappa: spec.bias ? spec.biasMultiplier ** 2 : 0,
    };
  });
}

function toF64(x: Matrix<Float32Array>): Matrix<Float64Array> {
  return { rows: x.rows, cols: x.cols, data: Float64Array.from(x.data) };
}

/** The limiting law of the model's CK or NTK on `data` (n x d0), its density (Arrow table) and how to compare (see the file comment). */
export async function theoryFor(model: NtkModel, data: InputBatch, opts: TheoryOptions = {}): Promise<TheoryResult> {
  const facts = layerFacts(model);
  const L = facts.length - 1;
  const d0 = facts[0].inDim;
  const x = toInputMatrix(data, 'data', d0);
  const n = x.rows;
  const kernel = opts.kernel ?? 'ck';
  if (kernel !== 'ck' && kernel !== 'ntk') throw new InvalidOptionError(`theoryFor: opts.kernel must be 'ck' or 'ntk', got '${String(kernel)}'`);
  if (L < 1) throw new UnsupportedModelError('theoryFor: the model has no hidden layer (a linear model has no CK; its NTK is the input Gram)');
  const out = facts[L];
  if (out.act !== 'linear') throw new UnsupportedModelError(`theoryFor: the output layer must be linear, got '${out.act}'`);
  if (kernel === 'ntk' && out.outDim !== 1) throw new UnsupportedModelError(`theoryFor: the NTK laws are for scalar outputs; this model has ${out.outDim}`);
  const regime = opts.regime ?? 'auto';
  if (!['auto', 'linear-width', 'ultra-wide'].includes(regime)) throw new InvalidOptionError(`theoryFor: opts.regime must be 'auto' | 'linear-width' | 'ultra-wide', got '${String(regime)}'`);
  const chosen = regime !== 'auto' ? regime : L === 1 && facts[0].outDim >= 10 * n ? 'ultra-wide' : 'linear-width';
  const x64 = toF64(x);
  const built = chosen === 'ultra-wide' ? await ultraWide(facts, x64, kernel, opts) : await linearWidth(facts, x64, kernel, opts);
  const density = lawDensity(built.law, { grid: opts.grid, points: opts.points });
  const parameters = { regime: chosen, kernel, n, widths: facts.map((f) => f.inDim).concat([out.outDim]), ...built.parameters };
  const table = await densityTable([lawCurve(density)], { params: parameters, runId: opts.runId });
  return {
    regime: chosen,
    kernel,
    law: built.law,
    density,
    table,
    transform: built.transform,
    prepare: (k) => prepareKernel(k, n, built.transform),
    parameters,
    assumptions: built.assumptions,
  };
}

interface Built {
  law: SpectralLaw;
  transform: TheoryResult['transform'];
  parameters: { [key: string]: JsonValue };
  assumptions: AssumptionCheck[];
}

/** Fan & Wang: per-layer normalisation, input spectrum from the data, CK or NTK law in ntk-lab's units. */
async function linearWidth(facts: LayerFacts[], x: Matrix<Float64Array>, kernel: 'ck' | 'ntk', opts: TheoryOptions): Promise<Built> {
  const L = facts.length - 1;
  const n = x.rows;
  const d0 = x.cols;
  const layer = opts.layer ?? L;
  if (kernel === 'ck' && (!Number.isInteger(layer) || layer < 1 || layer > L)) throw new InvalidOptionError(`theoryFor: opts.layer must be a hidden layer 1..${L}, got ${layer}`);
  facts.forEach((f, i) => {
    if (f.biasKappa > 0) {
      throw new UnsupportedModelError(`theoryFor: Fan & Wang's laws are for networks without biases, but layer${i + 1} has one: build the model with bias: false (or use regime 'ultra-wide' for one hidden layer)`);
    }
  });
  // Input: m0 = mean ||x||^2 / d0; G_0 = X X^T / (d0 m0), its spectrum through the smaller Gram.
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d0; j++) s += x.data[i * d0 + j] ** 2;
    norms[i] = s / d0;
  }
  const m0 = norms.reduce((s, v) => s + v, 0) / n;
  if (!(m0 > 0)) throw new InvalidOptionError('theoryFor: the inputs are all zero');
  const small = await gramAsync(x, { alpha: 1 / (d0 * m0), trans: d0 < n });
  const eig = (await eighAsync(small, { checkSymmetric: false })).values;
  const input = new Float64Array(n);
  for (let i = 0; i < eig.length; i++) input[n - eig.length + i] = Math.max(0, eig[i]);
  let maxOff = 0;
  if (n <= 4000) {
    const g = d0 < n ? await gramAsync(x, { alpha: 1 / (d0 * m0) }) : small;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) maxOff = Math.max(maxOff, Math.abs(g.data[i * n + j]));
  }
  let spread = 0;
  for (const v of norms) spread = Math.max(spread, Math.abs(v / m0 - 1));

  // Layer by layer: tau_l, v_l, b_l, a_l, and the moments of phi' for the NTK's backward factors.
  const tau: number[] = [];
  const v: number[] = [m0];
  const b: number[] = [];
  const a: number[] = [];
  const dMean: number[] = [];
  const dSecond: number[] = [];
  let t = facts[0].s2 * m0;
  for (let l = 1; l <= L; l++) {
    const f = facts[l - 1];
    const h = hermite(f.act, { scale: Math.sqrt(t), order: 2 });
    if (Math.abs(h.mu0) > 1e-8 * Math.sqrt(h.secondMoment)) {
      throw new UnsupportedModelError(
        `theoryFor: Fan & Wang assume a centred activation (E sigma(xi) = 0), but layer${l}'s ${f.act} has E ${f.act}(z) = ${h.mu0.toPrecision(4)} ` +
          `at its pre-activation variance ${t.toPrecision(4)}: use an odd activation (tanh, erf, linear)`,
      );
    }
    tau.push(t);
    v.push(h.secondMoment);
    b.push((Math.sqrt(t) * h.derivativeMean) / Math.sqrt(h.secondMoment));
    a.push((t * h.derivativeSecondMoment) / h.secondMoment);
    dMean.push(h.derivativeMean);
    dSecond.push(h.derivativeSecondMoment);
    t = facts[l].s2 * h.secondMoment;
  }
  const ratios = facts.slice(0, L).map((f) => n / f.outDim);
  const layers = ratios.map((ratio, i) => ({ ratio, b: b[i] }));
  const parameters: { [key: string]: JsonValue } = {
    inputMeanSquare: m0,
    preactivationVariance: tau,
    ckScale: v.slice(1),
    ratios,
    b,
    a,
  };
  let law: SpectralLaw;
  if (kernel === 'ck') {
    law = fanWangCk({ input, layers: layers.slice(0, layer), scale: v[layer] });
    parameters.layer = layer;
  } else {
    // NTK ~ r_+ I + sum_l rho_l CK_l (docs/theory.md): backward factors D_l (diagonal), B_l (off-diagonal).
    const rho = new Array<number>(L + 1).fill(0);
    rho[L] = facts[L].kappa;
    let D = 1;
    let B = 1;
    let rPlus = 0;
    for (let l = L; l >= 1; l--) {
      D *= facts[l].s2 * dSecond[l - 1];
      B *= facts[l].s2 * dMean[l - 1] ** 2;
      rho[l - 1] = facts[l - 1].kappa * B;
      rPlus += facts[l - 1].kappa * (D - B) * v[l - 1];
    }
    const q = rho.map((r, l) => r * v[l]);
    law = fanWangNtk({ input, layers, rPlus, q });
    parameters.rPlus = rPlus;
    parameters.q = q;
  }
  return {
    law,
    transform: { kind: 'identity' },
    parameters,
    assumptions: [
      { name: 'input norm spread', value: spread, note: 'max_i | ||x_i||^2 / (d0 m0) - 1 |; Fan & Wang assume unit-norm inputs (epsilon-orthonormality: small)' },
      { name: 'input orthogonality', value: maxOff, note: 'max_{i != j} |x_i . x_j| / (d0 m0) (n <= 4000 only, else 0); should be O(sqrt(log n / d0))' },
      { name: 'largest ratio n / d_l', value: Math.max(...ratios), note: 'linear-width regime: n / d_l of order 1' },
    ],
  };
}

/** Wang & Zhu: exact expected kernel on these inputs, its spectrum as nu, centring and sqrt(d1/n) scaling. */
async function ultraWide(facts: LayerFacts[], x: Matrix<Float64Array>, kernel: 'ck' | 'ntk', opts: TheoryOptions): Promise<Built> {
  const L = facts.length - 1;
  if (L !== 1) throw new UnsupportedModelError(`theoryFor: Wang & Zhu's law is for one hidden layer; this model has ${L}: use regime 'linear-width'`);
  if (kernel === 'ck' && opts.layer !== undefined && opts.layer !== 1) throw new InvalidOptionError(`theoryFor: opts.layer must be 1 (the only hidden layer), got ${opts.layer}`);
  const n = x.rows;
  const d0 = x.cols;
  const [hidden, out] = facts;
  const d1 = hidden.outDim;
  // Pre-activation covariance C = s_1^2 X X^T / d0 + sigma_b^2, and X X^T / d0 itself for the NTK's weight term.
  const xg = await gramAsync(x, { alpha: 1 / d0 });
  const cov = new Float64Array(n * n);
  let maxRho = 0;
  for (let i = 0; i < n * n; i++) cov[i] = hidden.s2 * xg.data[i] + hidden.bias2;
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) maxRho = Math.max(maxRho, Math.abs(cov[i * n + j]) / Math.sqrt(cov[i * n + i] * cov[j * n + j]));
  const C: Matrix<Float64Array> = { rows: n, cols: n, data: cov };
  const phi = expectedKernel(hidden.act, C, 'phi');
  let centre: Float64Array;
  let nuScale = 1;
  if (kernel === 'ck') centre = phi;
  else {
    const dphi = expectedKernel(hidden.act, C, 'dphi');
    centre = new Float64Array(n * n);
    for (let i = 0; i < n * n; i++) {
      centre[i] = out.kappa * phi[i] + out.s2 * (hidden.kappa * xg.data[i] + hidden.biasKappa) * dphi[i] + out.biasKappa;
    }
    nuScale = out.kappa;
  }
  const ev = (await eighAsync({ rows: n, cols: n, data: phi }, { checkSymmetric: false })).values;
  const nu = Float64Array.from(ev, (e) => Math.max(0, e * nuScale));
  const alpha = d1 / n;
  const widthRatio = opts.widthCorrection === false ? Infinity : alpha;
  const law = deformedSemicircle({ nu, widthRatio });
  const h = hermite(hidden.act, { scale: Math.sqrt(hidden.s2 + hidden.bias2) });
  const scale = Math.sqrt(alpha);
  return {
    law,
    transform: { kind: 'centred', scale, centre: { rows: n, cols: n, data: centre } },
    parameters: {
      widthRatio: alpha,
      correction: Number.isFinite(widthRatio),
      scale,
      nuScale,
      mu0: h.mu0,
      mu1: h.mu1,
      muStar: h.muStar,
      activation: engineActivation(hidden.act).name,
    },
    assumptions: [
      { name: 'width ratio d1 / n', value: alpha, note: 'ultra-wide regime: d1 / n -> infinity; the finite-width correction covers moderate ratios' },
      { name: 'activation mean', value: h.mu0, note: 'E phi(z): a non-centred activation adds two outliers of order sqrt(n) beside the bulk' },
      { name: 'max |rho|', value: maxRho, note: 'largest pre-activation correlation between inputs; Wang & Zhu assume nearly orthogonal inputs' },
    ],
  };
}

function prepareKernel(k: Kernel | Matrix, n: number, transform: TheoryResult['transform']): Matrix<Float64Array> {
  const isKernel = typeof (k as Kernel).float64 === 'function';
  const rows = isKernel ? (k as Kernel).shape[0] : (k as Matrix).rows;
  const cols = isKernel ? ((k as Kernel).shape.length === 2 ? (k as Kernel).shape[1] : -1) : (k as Matrix).cols;
  if (rows !== n || cols !== n) {
    throw new ShapeError(`theoryFor(...).prepare: the kernel must be ${n} x ${n} (the data the law was derived for), got ${isKernel ? `[${(k as Kernel).shape.join(', ')}]` : `${rows} x ${cols}`}`);
  }
  const values = isKernel ? (k as Kernel).float64() : (k as Matrix).data;
  if (transform.kind === 'identity') return { rows: n, cols: n, data: values instanceof Float64Array ? values : Float64Array.from(values) };
  const out = new Float64Array(n * n);
  const c = transform.centre.data;
  for (let i = 0; i < n * n; i++) out[i] = transform.scale * (values[i] - c[i]);
  return { rows: n, cols: n, data: out };
}
