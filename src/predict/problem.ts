/**
 * One validated prediction problem: the layout resolved, every shape checked against n (training points),
 * k (outputs) and m (test points), and the kernels cut into independent blocks that the solvers treat alike:
 *   'trace':    one block, N = n, right-hand side Y (n x k): the same kernel applied to each output column.
 *   'full':     one block, N = n k, right-hand side vec(Y) (nk x 1, index i*k + a, i.e. Y's row-major data).
 *   'diagonal': k blocks, N = n, block a predicts output column a alone.
 */
import { InvalidOptionError, ShapeError } from '../errors';
import type { Matrix } from '../linalg';
import type { OutputLayout } from '../ntk/kernel';
import { readKernel, symmetrize, type KernelRead } from './kernels';
import { readOutputs, readTargets } from './targets';
import type { KernelLike, PredictOptions, TargetsLike } from './types';

/** One independent linear system: Ktrain block (N x N, symmetric), its test-train block (M x N). */
export interface Block {
  train: Matrix<Float64Array>;
  test?: Matrix<Float64Array>;
  /** The output column this block predicts ('diagonal'); undefined: all columns at once. */
  column?: number;
}

export interface Problem {
  layout: OutputLayout;
  /** Training points. */
  n: number;
  /** Outputs per point. */
  k: number;
  /** Test points (0 without KtestTrain). */
  m: number;
  blocks: Block[];
  /** Targets, n x k. */
  y: Matrix<Float64Array>;
  /** Initial training outputs, n x k (zeros by default). */
  fxTrain0: Matrix<Float64Array>;
  /** Initial test outputs, m x k (zeros by default). */
  fxTest0: Matrix<Float64Array>;
}

const LAYOUTS: readonly OutputLayout[] = ['trace', 'full', 'diagonal'];

/** Validates the arguments of kernelRidge / gradientDescentMse and builds the blocks. */
export function buildProblem(fn: string, ktrain: KernelLike, ytrain: TargetsLike, ktestTrain: KernelLike | undefined, opts: PredictOptions): Problem {
  const y = readTargets(fn, 'ytrain', ytrain);
  const { rows: n, cols: k } = y;
  const tr = readKernel(fn, 'Ktrain', ktrain);
  const te = ktestTrain === undefined ? undefined : readKernel(fn, 'KtestTrain', ktestTrain);
  const layout = resolveLayout(fn, tr, te, opts.layout, n, k);
  checkTrain(fn, tr, layout, n, k);
  const m = te === undefined ? 0 : checkTest(fn, te, layout, n, k);
  const tol = opts.symmetryTolerance ?? (tr.float32 ? 1e-5 : 1e-10);
  const blocks: Block[] = tr.mats.map((a, i) => ({
    train: symmetrize(fn, tr.mats.length > 1 ? `Ktrain (output ${i})` : 'Ktrain', a, tol),
    test: te?.mats[i],
    column: layout === 'diagonal' ? i : undefined,
  }));
  return {
    layout, n, k, m, blocks, y,
    fxTrain0: readOutputs(fn, 'opts.fxTrain0', opts.fxTrain0, n, k),
    fxTest0: readOutputs(fn, 'opts.fxTest0', opts.fxTest0, m, k),
  };
}

/** With k = 1 the three layouts are the same matrices, so they are all read as 'trace' (no spurious mismatch). */
function resolveLayout(fn: string, tr: KernelRead, te: KernelRead | undefined, asked: OutputLayout | undefined, n: number, k: number): OutputLayout {
  if (asked !== undefined && !LAYOUTS.includes(asked)) throw new InvalidOptionError(`${fn}: opts.layout must be 'trace', 'full' or 'diagonal', got '${String(asked)}'`);
  const norm = (l: OutputLayout | undefined): OutputLayout | undefined => {
    if (l === undefined) return undefined;
    return k === 1 ? 'trace' : l;
  };
  const declared = [norm(asked), norm(tr.layout), norm(te?.layout)].filter((l): l is OutputLayout => l !== undefined);
  if (declared.some((l) => l !== declared[0])) {
    throw new InvalidOptionError(`${fn}: layouts disagree: opts.layout = ${asked ?? '-'}, Ktrain is '${tr.layout ?? 'matrix'}', KtestTrain is '${te?.layout ?? (te ? 'matrix' : '-')}'`);
  }
  if (declared.length > 0) return declared[0];
  const rows = tr.mats[0].rows;
  if (rows === n) return 'trace';
  if (rows === n * k) return 'full';
  throw new ShapeError(`${fn}: Ktrain is ${tr.shape} but ytrain is ${n} x ${k}: Ktrain must be ${n} x ${n} ('trace' layout) or ${n * k} x ${n * k} ('full' layout)`);
}

function checkTrain(fn: string, tr: KernelRead, layout: OutputLayout, n: number, k: number): void {
  if (layout === 'diagonal') {
    const ok = tr.mats.length === k && tr.mats[0].rows === n && tr.mats[0].cols === n;
    if (!ok) throw new ShapeError(`${fn}: Ktrain has shape ${tr.shape}, the 'diagonal' layout with ytrain ${n} x ${k} needs a Kernel of shape [${n}, ${n}, ${k}]`);
    return;
  }
  const size = layout === 'full' ? n * k : n;
  const a = tr.mats[0];
  if (a.rows !== size || a.cols !== size) {
    throw new ShapeError(`${fn}: Ktrain is ${tr.shape}, the '${layout}' layout with ytrain ${n} x ${k} needs ${size} x ${size}`);
  }
  if (layout === 'full' && tr.outputs !== undefined && tr.outputs !== k) {
    throw new ShapeError(`${fn}: Ktrain is a 'full' kernel of ${tr.outputs} outputs but ytrain has k = ${k} columns`);
  }
}

/** Checks KtestTrain against the layout; returns m, the number of test points. */
function checkTest(fn: string, te: KernelRead, layout: OutputLayout, n: number, k: number): number {
  const a = te.mats[0];
  if (layout === 'diagonal') {
    if (te.mats.length !== k || a.cols !== n) throw new ShapeError(`${fn}: KtestTrain has shape ${te.shape}, the 'diagonal' layout with ytrain ${n} x ${k} needs [m, ${n}, ${k}]`);
    return a.rows;
  }
  const cols = layout === 'full' ? n * k : n;
  const perPoint = layout === 'full' ? k : 1;
  if (a.cols !== cols || a.rows % perPoint !== 0) {
    const need = layout === 'full' ? `m*${k} x ${cols}` : `m x ${cols}`;
    throw new ShapeError(`${fn}: KtestTrain is ${te.shape}, the '${layout}' layout with ytrain ${n} x ${k} needs ${need}`);
  }
  return a.rows / perPoint;
}

/** The block's right-hand side taken from an n x k matrix r: all columns (trace: n x k, full: nk x 1) or one column (diagonal). */
export function blockRhs(b: Block, r: Matrix<Float64Array>): Matrix<Float64Array> {
  if (b.column === undefined) {
    const rows = b.train.rows;
    return { rows, cols: r.data.length / rows, data: r.data };
  }
  const col = new Float64Array(r.rows);
  for (let i = 0; i < r.rows; i++) col[i] = r.data[i * r.cols + b.column];
  return { rows: r.rows, cols: 1, data: col };
}

/** Adds a block's result (rows x c, in the block's own shape) into the m x k (or n x k) output; column: Block.column. */
export function addBlockResult(column: number | undefined, out: Matrix<Float64Array>, res: Matrix<Float64Array>): void {
  if (column === undefined) {
    // trace: res is m x k; full: res is mk x 1 whose data is the m x k matrix row-major.
    for (let i = 0; i < out.data.length; i++) out.data[i] += res.data[i];
    return;
  }
  for (let i = 0; i < out.rows; i++) out.data[i * out.cols + column] += res.data[i];
}
