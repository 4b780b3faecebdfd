/**
 * spectrum(kernel): the eigen-spectrum of empirical kernels (one, several, or an NTK with its layerwise
 * components) as Arrow tables, with the ESD (histogram, kernel density), spikes, condition number, effective
 * rank, and, given a law, the KS and Wasserstein-1 distances to it.
 *
 *   const K = await ntk(net, x);
 *   const s = await spectrum(K, { vectors: 'spikes' });
 *   s.table;                    // Arrow 'spectrum': index, eigenvalue (descending), kernel_kind, label, run_id
 *   s.densities;                // Arrow 'density': curves '<label>:histogram', '<label>:kde' (and ':theory')
 *   s.spectra[0].spikes;        // outliers above the bulk; s.spectra[0].vectors their eigenvectors
 *
 * Dense eigensolvers (LAPACK dsyevd for the values; the spikes' eigenvectors by Lanczos on the matrix, or dsyevr
 * for many vectors) up to n ~ 8000 here;
 * beyond, topSpectrum() runs Lanczos on the kernel or on an NTK-vector product without forming the kernel.
 */
import { randomUUID } from 'node:crypto';
import type { Table } from 'apache-arrow';
import { resultSchema, ResultStream, spectrumBatch, type DensityColumns, type SpectrumColumns } from '../arrow';
import { InvalidOptionError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import { checkMatrix } from '../linalg/validate';
import { Kernel, type KernelKind, type LayerwiseNtk } from '../ntk/kernel';
import type { LawDensity } from '../theory/density';
import { densityTable, lawCurve, type DensityCurve } from '../theory/density-table';
import type { TheoryResult } from '../theory/theory-for';
import { ksDistance, wasserstein1 } from './distance';
import { checkSymmetric, eigenOf, symmetricEigen, topEigenvectors } from './eigen';
import { histogram, kde, type Histogram, type Kde } from './esd';
import { lanczos, type LanczosOptions, type LanczosResult } from './lanczos';
import type { SymmetricOperator } from './operator';
import { detectSpikes, type Spikes } from './spikes';
import { summarize, type SpectrumSummary } from './summary';

/** Options of spectrum(). */
export interface SpectrumOptions {
  /** Eigenvectors to return: 0 (default), 'spikes' (those of the detected spikes), the top k, or 'all'. */
  vectors?: number | 'spikes' | 'all';
  /**
   * A law to compare with: theoryFor()'s result (its prepare() maps each kernel first, e.g. centring and
   * rescaling for Wang & Zhu) or an evaluated law (lawDensity()), compared with the raw spectrum.
   */
  theory?: TheoryResult | LawDensity;
  /** Histogram: a fixed number of bins instead of Freedman-Diaconis. */
  bins?: number;
  /** KDE: grid points (default 512) and a bandwidth instead of Silverman's. */
  kdePoints?: number;
  bandwidth?: number;
  /** run_id of the tables (default: a random UUID). */
  runId?: string;
}

/** The spectrum of one kernel and what is computed from it. */
export interface KernelSpectrum {
  label: string;
  kind: KernelKind;
  n: number;
  /** Eigenvalues, descending, in the kernel's units (or the law's, after theory.prepare). */
  eigenvalues: Float64Array;
  /** n x k eigenvectors, column j pairs with eigenvalues[j]. */
  vectors?: Matrix<Float64Array>;
  spikes: Spikes;
  summary: SpectrumSummary;
  histogram: Histogram;
  kde: Kde;
  /** KS (in [0, 1]) and Wasserstein-1 (eigenvalue units) distances to the law, when one was given. */
  distance?: { law: string; ks: number; w1: number };
}

/** What spectrum() returns: per-kernel results and the two Arrow tables. */
export interface SpectrumResult {
  spectra: KernelSpectrum[];
  /** Arrow 'spectrum' result: every kernel's eigenvalues (descending), told apart by label. */
  table: Table<SpectrumColumns>;
  /** Arrow 'density' result: '<label>:histogram', '<label>:kde' and, with a law, '<label>:theory'. */
  densities: Table<DensityColumns>;
}

function isTheory(t: TheoryResult | LawDensity): t is TheoryResult {
  return typeof (t as TheoryResult).prepare === 'function';
}

function kernelsOf(input: Kernel | readonly Kernel[] | LayerwiseNtk): Kernel[] {
  if (input instanceof Kernel) return [input];
  if (Array.isArray(input)) return [...(input as readonly Kernel[])];
  const lw = input as LayerwiseNtk;
  if (lw && lw.ntk instanceof Kernel && Array.isArray(lw.components)) return [lw.ntk, ...lw.components];
  throw new ShapeError('spectrum: expected a Kernel, an array of Kernels or {ntk, components} from ntkLayerwise');
}

/** The kernel as a square matrix for the eigensolver, checked: 2-D, square, finite, symmetric. */
function kernelMatrix(k: Kernel, index: number): Matrix {
  const name = `kernels[${index}] ('${k.label}')`;
  if (k.shape.length !== 2) throw new ShapeError(`spectrum: ${name} has shape [${k.shape.join(', ')}]; a spectrum needs a 2-D n x n kernel ('trace' or 'full' layout)`);
  const [r, c] = k.shape;
  if (r !== c) throw new ShapeError(`spectrum: ${name} is ${r} x ${c}; a spectrum needs a square kernel of one batch (x2 omitted)`);
  const m: Matrix = { rows: r, cols: c, data: k.values };
  checkMatrix('spectrum', name, m);
  checkSymmetric('spectrum', name, m);
  return m;
}

/**
 * Eigenvectors of the top k eigenvalues. For a few spikes (k <= 32, k <= n/4) Lanczos on the dense matrix
 * (O(n^2) per product, a few dozen products: spikes stand apart from the bulk, so it converges fast) to a residual
 * of 1e-11 max|lambda|, accepted when its values agree with dsyevd's to 1e-10; otherwise dsyevr on the index range.
 */
async function topVectors(m: Matrix, values: Float64Array, k: number): Promise<Matrix<Float64Array>> {
  if (k <= 32 && 4 * k <= m.rows) {
    // No verification cycle: the values are checked against dsyevd's, which would expose a missed multiple eigenvalue.
    const r = await lanczos(m, { k, tol: 1e-11, verify: false });
    const scale = Math.max(Math.abs(values[0]), Math.abs(values[values.length - 1])) || 1;
    if (r.converged && r.values.every((v, j) => Math.abs(v - values[j]) <= 1e-10 * scale)) return r.vectors;
  }
  return topEigenvectors(m, k);
}

/** Eigen-spectra of kernels (see the file comment): per-kernel results plus 'spectrum' and 'density' Arrow tables. */
export async function spectrum(kernels: Kernel | readonly Kernel[] | LayerwiseNtk, opts: SpectrumOptions = {}): Promise<SpectrumResult> {
  const list = kernelsOf(kernels);
  if (list.length === 0) throw new ShapeError('spectrum: no kernels given');
  const want = opts.vectors ?? 0;
  if (!(want === 'spikes' || want === 'all' || (Number.isInteger(want) && (want as number) >= 0))) {
    throw new InvalidOptionError(`spectrum: opts.vectors must be 'spikes', 'all' or a non-negative integer, got ${String(want)}`);
  }
  const runId = opts.runId ?? randomUUID();
  const law = opts.theory === undefined ? undefined : isTheory(opts.theory) ? opts.theory.density : opts.theory;
  const spectra: KernelSpectrum[] = [];
  const curves: DensityCurve[] = [];
  for (let i = 0; i < list.length; i++) {
    const k = list[i];
    const kernelOf: Matrix = kernelMatrix(k, i);
    let m = kernelOf;
    if (opts.theory && isTheory(opts.theory)) {
      if (k.kind !== opts.theory.kernel) {
        throw new InvalidOptionError(`spectrum: opts.theory is the law of the ${opts.theory.kernel}, but kernels[${i}] ('${k.label}') is a ${k.kind}: pass only the kernel the law describes`);
      }
      m = opts.theory.prepare(k);
    }
    const n = m.rows;
    // A prepared kernel (float64, centred and rescaled from the checked one) is symmetric only to the float32
    // kernel's rounding: its lower triangle is taken, as before the transform.
    const values = m === kernelOf
      ? (await eigenOf(m, 0, true)).values
      : (await symmetricEigen(m, { checkSymmetric: false, name: `kernels[${i}]` })).values;
    const spikes = law && law.support.length
      ? detectSpikes(values, { edge: law.support[law.support.length - 1][1], width: law.support[law.support.length - 1][1] - law.support[0][0] })
      : detectSpikes(values);
    const count = want === 'spikes' ? spikes.count : want === 'all' ? n : Math.min(n, want as number);
    const vectors = count > 0 ? await topVectors(m, values, count) : undefined;
    const exclude = Math.min(spikes.count, n - 1);
    const h = histogram(values, { exclude, bins: opts.bins });
    const d = kde(values, { exclude, points: opts.kdePoints, bandwidth: opts.bandwidth });
    const entry: KernelSpectrum = { label: k.label, kind: k.kind, n, eigenvalues: values, spikes, summary: summarize(values), histogram: h, kde: d };
    if (vectors) entry.vectors = vectors;
    curves.push({ curve: `${k.label}:histogram`, law: 'empirical', params: { label: k.label, rule: h.rule, binWidth: h.binWidth, excluded: h.excluded, n }, x: h.x, density: h.density });
    curves.push({ curve: `${k.label}:kde`, law: 'empirical', params: { label: k.label, rule: d.rule, bandwidth: d.bandwidth, excluded: d.excluded, n }, x: d.x, density: d.density });
    if (law) {
      entry.distance = { law: law.law, ks: ksDistance(values, law), w1: wasserstein1(values, law) };
      curves.push(lawCurve(law, `${k.label}:theory`));
    }
    spectra.push(entry);
  }
  const params = { kernels: spectra.map((s) => s.label), n: spectra.map((s) => s.n), centred: opts.theory !== undefined && isTheory(opts.theory) && opts.theory.transform.kind === 'centred' };
  const table = await new ResultStream(
    resultSchema('spectrum', { params, runId }),
    spectra.map((s) => spectrumBatch({ eigenvalues: s.eigenvalues, kernelKind: s.kind, label: s.label, runId })),
  ).toTable();
  const densities = await densityTable(curves, { params, runId });
  return { spectra, table, densities };
}

/** Options of topSpectrum(): Lanczos's, plus the label and kind written into the table. */
export interface TopSpectrumOptions extends LanczosOptions {
  label?: string;
  kind?: KernelKind;
  runId?: string;
}

/**
 * The k largest eigenpairs of a kernel, a matrix, or a symmetric operator (an NTK-vector product: no kernel is
 * formed) by Lanczos, with the values as an Arrow 'spectrum' table: for n beyond what dense solvers reach.
 */
export async function topSpectrum(
  a: Kernel | Matrix | SymmetricOperator,
  opts: TopSpectrumOptions = {},
): Promise<LanczosResult & { table: Table<SpectrumColumns> }> {
  let target: Matrix | SymmetricOperator;
  let label = opts.label ?? 'operator';
  let kind: KernelKind = opts.kind ?? 'ntk';
  if (a instanceof Kernel) {
    target = kernelMatrix(a, 0);
    target = { rows: target.rows, cols: target.cols, data: a.float64() };
    label = opts.label ?? a.label;
    kind = opts.kind ?? a.kind;
  } else target = a;
  const r = await lanczos(target, opts);
  const runId = opts.runId ?? randomUUID();
  const table = await new ResultStream(
    resultSchema('spectrum', { params: { label, k: r.values.length, method: 'lanczos', matvecs: r.matvecs, converged: r.converged }, runId }),
    [spectrumBatch({ eigenvalues: r.values, kernelKind: kind, label, runId })],
  ).toTable();
  return { ...r, table };
}
