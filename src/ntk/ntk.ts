/**
 * The empirical NTK of a model: the whole kernel (`ntk`), its per-parameter-tensor components
 * (`ntkLayerwise`), and block by block for kernels computed or stored in tiles (`ntkTiles`).
 *
 *   const net = mlp({ inputDim: 784, widths: [512, 512], seed: 0 });
 *   const K = await ntk(net, x);                 // n x n Kernel (float32), nothing to dispose
 *   const { ntk: T, components } = await ntkLayerwise(net, x1, x2, { outputs: 'full' });
 *   const C = await ntk(cnn, images, undefined, { method: 'jacobian' }); // any tf.LayersModel or f(params, x)
 */
import { ensureBackend } from '../backend';
import { CancelledError, InvalidOptionError, MemoryBudgetError } from '../errors';
import { Matrix, linalgInfo } from '../linalg';
import { LayerFeatures, explicitFeatures, releaseFeatures } from './explicit/features';
import { BlockValues, Range, explicitBlock } from './explicit/block';
import { MethodChoice, chooseNtkMethod } from './auto';
import { ExplicitNetwork, explicitNetwork } from './explicit/network';
import { JacobianProblem, prepareJacobian } from './jacobian/problem';
import { AutodiffModel } from './jacobian/linearised';
import { assertFiniteBlock, largestMagnitude } from './finite';
import { InputBatch, toInputMatrix } from './input';
import { Kernel, LayerwiseNtk, OutputLayout } from './kernel';
import { defaultMaxBytes, explicitMemoryEstimate, formatBytes, valuesPerPair } from './memory';
import { NtkOptions } from './options';

/** One block of a kernel: examples rows.start..rows.end of x1 against cols.start..cols.end of x2. */
export interface NtkTile {
  rows: Range;
  cols: Range;
  /** Layout of `values`: nb1 x nb2 ('trace'), (nb1 k) x (nb2 k) ('full'), nb1 x nb2 x k ('diagonal'). */
  layout: OutputLayout;
  outputs: number;
  values: Float32Array;
  /** Per-parameter-tensor components of the block, when asked for. */
  components?: { label: string; values: Float32Array }[];
}

interface Prepared {
  /** The explicit method's network, or null when the Jacobian method runs (`jac`). */
  net: ExplicitNetwork | null;
  jac: JacobianProblem | null;
  choice: MethodChoice;
  x1: Matrix<Float32Array>;
  x2: Matrix<Float32Array> | null;
  layout: OutputLayout;
  k: number;
  labels: string[];
  maxBytes: number;
}


/** Number of examples of a batch before it is checked (for the cost model); 0 when unknown. */
function rowsOf(x: InputBatch | undefined): number {
  if (x === undefined || x === null) return 0;
  if (Array.isArray(x)) return x.length;
  if ('rows' in x && typeof x.rows === 'number') return x.rows;
  return 'shape' in x && Array.isArray(x.shape) ? Number(x.shape[0]) : 0;
}

function prepare(model: AutodiffModel, x1: InputBatch, x2: InputBatch | undefined, opts: NtkOptions): Prepared {
  const method = opts.method ?? 'auto';
  if (!['explicit', 'jacobian', 'vp', 'auto'].includes(method)) {
    throw new InvalidOptionError(`method must be 'explicit' | 'jacobian' | 'vp' | 'auto', got '${String(method)}'`);
  }
  const layout = opts.outputs ?? 'trace';
  if (!['trace', 'full', 'diagonal'].includes(layout)) {
    throw new InvalidOptionError(`outputs must be 'trace' | 'full' | 'diagonal', got '${String(layout)}'`);
  }
  const maxBytes = opts.maxBytes ?? defaultMaxBytes();
  if (!(maxBytes > 0)) throw new InvalidOptionError(`maxBytes must be a positive number of bytes, got ${maxBytes}`);
  if (opts.tile !== undefined && typeof opts.tile !== 'boolean' && !(Number.isInteger(opts.tile) && opts.tile > 0)) {
    throw new InvalidOptionError(`tile must be a positive integer number of examples or a boolean, got ${String(opts.tile)}`);
  }
  const convolutions = opts.convolutions ?? 'auto';
  let choice = chooseNtkMethod(model, rowsOf(x1), x2 === undefined || x2 === null ? undefined : rowsOf(x2), { method, outputs: layout, convolutions, tile: typeof opts.tile === 'number' ? opts.tile : undefined });
  if (choice.method === 'jacobian') {
    const jac = prepareJacobian(model, x1, x2, layout, maxBytes, convolutions);
    // A pure function's route (batched or per example) is known once its probe ran: the reason names it.
    if (!jac.lin.graph) choice = { ...choice, reason: `${choice.reason}; ${jac.lin.description}` };
    return { net: null, jac, choice, x1: jac.x1, x2: jac.x2, layout, k: jac.k, labels: jac.labels, maxBytes };
  }
  const net = explicitNetwork(model as Parameters<typeof explicitNetwork>[0]);
  const d = net.layers[0].inDim;
  const m1 = toInputMatrix(x1, 'x1', d);
  const m2 = x2 === undefined || x2 === null ? null : toInputMatrix(x2, 'x2', d);
  return { net, jac: null, choice, x1: m1, x2: m2, layout, k: net.layers[net.layers.length - 1].outDim, labels: net.labels, maxBytes };
}

function checkBudget(p: Prepared, outputs: number, tile: number | undefined, assembled: boolean): void {
  const n1 = p.x1.rows;
  const n2 = p.x2 ? p.x2.rows : n1;
  const est = p.jac
    ? p.jac.estimate(outputs, tile, assembled)
    : explicitMemoryEstimate({ n1, n2, symmetric: !p.x2, layers: p.net!.layers, layout: p.layout, outputs, tile });
  const need = assembled ? est.total : est.features + est.working;
  if (need <= p.maxBytes) return;
  const hint = tile === undefined
    ? `pass { tile: true } (or a tile size) to compute it in blocks, or raise maxBytes`
    : assembled
      ? `the assembled result alone needs ${formatBytes(est.output)}: stream it with ntkTiles() instead, or raise maxBytes`
      : `use a smaller tile or raise maxBytes`;
  throw new MemoryBudgetError(
    `NTK of ${n1} x ${n2} examples (${p.layout}, k = ${p.k}${outputs > 1 ? `, ${outputs - 1} components` : ''}) needs about ` +
      `${formatBytes(need)} (features ${formatBytes(est.features)}, result ${formatBytes(assembled ? est.output : 0)}, ` +
      `working ${formatBytes(est.working)}), over maxBytes = ${formatBytes(p.maxBytes)}: ${hint}`,
    need,
    p.maxBytes,
  );
}

/** The tile edge: none when untiled; the option's number; with `true`, the largest halving of n that fits the budget. */
function resolveTile(p: Prepared, tile: number | boolean | undefined, outputs: number, assembled: boolean): number | undefined {
  if (tile === undefined || tile === false) {
    checkBudget(p, outputs, undefined, assembled);
    return undefined;
  }
  if (typeof tile === 'number') {
    checkBudget(p, outputs, tile, assembled);
    return tile;
  }
  const n = Math.max(p.x1.rows, p.x2 ? p.x2.rows : 0);
  for (let t = n; t >= 32; t = Math.ceil(t / 2)) {
    try {
      checkBudget(p, outputs, t, assembled);
      return t;
    } catch (e) {
      if (!(e instanceof MemoryBudgetError)) throw e;
    }
    if (t === 32) break;
  }
  checkBudget(p, outputs, 32, assembled);
  return 32;
}

function ranges(n: number, tile: number): Range[] {
  const out: Range[] = [];
  for (let s = 0; s < n; s += tile) out.push({ start: s, end: Math.min(n, s + tile) });
  return out;
}

/** The block of examples (cols, rows) from the block (rows, cols) of a symmetric kernel. */
function transposeBlock(values: Float32Array, nb1: number, nb2: number, k: number, layout: OutputLayout): Float32Array {
  const out = new Float32Array(values.length);
  if (layout === 'diagonal') {
    for (let i = 0; i < nb1; i++) for (let j = 0; j < nb2; j++) for (let a = 0; a < k; a++) out[(j * nb1 + i) * k + a] = values[(i * nb2 + j) * k + a];
    return out;
  }
  const r = layout === 'full' ? nb1 * k : nb1;
  const c = layout === 'full' ? nb2 * k : nb2;
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = values[i * c + j];
  return out;
}

function toTile(p: Prepared, rows: Range, cols: Range, v: BlockValues): NtkTile {
  // Every tile passes here before a user sees it (ntk, ntkLayerwise and ntkTiles alike): finite inputs can still
  // overflow float32 inside the network, and a kernel of Infinity/NaN must be an error, not a result.
  const place = { rowStart: rows.start, colStart: cols.start, cols: cols.end - cols.start, layout: p.layout, outputs: p.k };
  const scale = (): number => largestMagnitude(p.x1.data, p.x2?.data);
  assertFiniteBlock(v.total, 'ntk', place, scale);
  v.components?.forEach((c, i) => assertFiniteBlock(c, `ntk component ${p.labels[i]}`, place, scale));
  const tile: NtkTile = { rows, cols, layout: p.layout, outputs: p.k, values: v.total };
  if (v.components) tile.components = v.components.map((values, i) => ({ label: p.labels[i], values }));
  return tile;
}

function transposeTile(p: Prepared, t: NtkTile): NtkTile {
  const nb1 = t.rows.end - t.rows.start;
  const nb2 = t.cols.end - t.cols.start;
  const out: NtkTile = { rows: t.cols, cols: t.rows, layout: t.layout, outputs: t.outputs, values: transposeBlock(t.values, nb1, nb2, p.k, p.layout) };
  if (t.components) out.components = t.components.map((c) => ({ label: c.label, values: transposeBlock(c.values, nb1, nb2, p.k, p.layout) }));
  return out;
}

async function* jacobianTiles(p: Prepared, jac: JacobianProblem, tile: number | undefined, withComponents: boolean, opts: NtkOptions): AsyncGenerator<NtkTile> {
  let done = 0;
  const step = (total: number): void => opts.onProgress?.(++done, total);
  for await (const b of jac.blocks(tile, withComponents, opts, step)) {
    const t = toTile(p, b.rows, b.cols, { total: b.total, components: b.components });
    yield t;
    if (!p.x2 && b.cols.start !== b.rows.start) yield transposeTile(p, t);
  }
}

/** The tiles of the method `prepare` resolved. */
function tilesOf(p: Prepared, tile: number | undefined, withComponents: boolean, opts: NtkOptions): AsyncGenerator<NtkTile> {
  return p.jac ? jacobianTiles(p, p.jac, tile, withComponents, opts) : explicitTiles(p, p.net!, tile, withComponents, opts);
}

async function* explicitTiles(p: Prepared, net: ExplicitNetwork, tile: number | undefined, withComponents: boolean, opts: NtkOptions): AsyncGenerator<NtkTile> {
  const n1 = p.x1.rows;
  const n2 = p.x2 ? p.x2.rows : n1;
  const rowRanges = ranges(n1, tile ?? n1);
  const colRanges = ranges(n2, tile ?? n2);
  const L = net.layers.length;
  const blocks = p.x2 ? rowRanges.length * colRanges.length : (rowRanges.length * (rowRanges.length + 1)) / 2;
  const total = 1 + blocks * L;
  let done = 0;
  const step = (): void => opts.onProgress?.(++done, total);
  const check = (): void => {
    if (opts.signal?.aborted) throw new CancelledError(`NTK cancelled after ${done} of ${total} steps`);
  };
  check();
  const f1: LayerFeatures[] = await explicitFeatures(net, p.x1, p.layout);
  const f2: LayerFeatures[] = p.x2 ? await explicitFeatures(net, p.x2, p.layout) : f1;
  step();
  try {
    for (let I = 0; I < rowRanges.length; I++) {
      for (let J = p.x2 ? 0 : I; J < colRanges.length; J++) {
        check();
        const v = await explicitBlock(net, f1, f2, rowRanges[I], colRanges[J], p.layout, withComponents, step);
        const t = toTile(p, rowRanges[I], colRanges[J], v);
        yield t;
        if (!p.x2 && J > I) yield transposeTile(p, t);
      }
    }
  } finally {
    releaseFeatures(f1);
    if (f2 !== f1) releaseFeatures(f2);
  }
}

/** Copies a tile's block into the whole kernel's array (shape n1 x n2 per layout). */
function place(target: Float32Array, values: Float32Array, rows: Range, cols: Range, n2: number, k: number, layout: OutputLayout): void {
  const nb1 = rows.end - rows.start;
  const nb2 = cols.end - cols.start;
  const vpp = valuesPerPair(k, layout);
  if (layout === 'full') {
    for (let r = 0; r < nb1 * k; r++) {
      target.set(values.subarray(r * nb2 * k, (r + 1) * nb2 * k), (rows.start * k + r) * n2 * k + cols.start * k);
    }
    return;
  }
  for (let i = 0; i < nb1; i++) {
    target.set(values.subarray(i * nb2 * vpp, (i + 1) * nb2 * vpp), ((rows.start + i) * n2 + cols.start) * vpp);
  }
}

function kernelShape(n1: number, n2: number, k: number, layout: OutputLayout): number[] {
  if (layout === 'full') return [n1 * k, n2 * k];
  if (layout === 'diagonal') return [n1, n2, k];
  return [n1, n2];
}

async function compute(model: AutodiffModel, x1: InputBatch, x2: InputBatch | undefined, opts: NtkOptions, withComponents: boolean): Promise<LayerwiseNtk> {
  const start = performance.now();
  const backend = await ensureBackend();
  const p = prepare(model, x1, x2, opts);
  const outputs = 1 + (withComponents ? p.labels.length : 0);
  const tile = resolveTile(p, opts.tile, outputs, true);
  const n1 = p.x1.rows;
  const n2 = p.x2 ? p.x2.rows : n1;
  const shape = kernelShape(n1, n2, p.k, p.layout);
  let total: Float32Array | undefined;
  let comps: Float32Array[] | undefined;
  for await (const t of tilesOf(p, tile, withComponents, opts)) {
    if (tile === undefined) {
      total = t.values;
      comps = t.components?.map((c) => c.values);
      continue;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    total ??= new Float32Array(size);
    place(total, t.values, t.rows, t.cols, n2, p.k, p.layout);
    if (t.components) {
      comps ??= t.components.map(() => new Float32Array(size));
      t.components.forEach((c, i) => place(comps![i], c.values, t.rows, t.cols, n2, p.k, p.layout));
    }
  }
  const wallTimeMs = performance.now() - start;
  const common = {
    shape,
    layout: p.layout,
    outputs: p.k,
    symmetric: !p.x2,
    backend: `${linalgInfo().implementation} (${p.choice.method}${opts.method === undefined || opts.method === 'auto' ? `, auto: ${p.choice.reason}` : ''}), tfjs ${backend.name}`,
    wallTimeMs,
    normalization: `exact J J^T of the network as parameterised: ${p.jac ? p.jac.lin.description : p.net!.description}`,
  };
  const ntkKernel = new Kernel({ ...common, values: total!, kind: 'ntk', label: 'ntk' });
  const components = (comps ?? []).map((values, i) => new Kernel({ ...common, values, kind: 'ntk-component', label: p.labels[i] }));
  return { ntk: ntkKernel, components };
}

/**
 * Empirical NTK Theta(x1, x2) = J(x1) J(x2)^T of `model`, x1: [n1, ...inputShape], x2: [n2, ...] (default x1).
 * Shape [n1, n2] ('trace', default: summed over the k outputs), [n1 k, n2 k] ('full'), [n1, n2, k] ('diagonal').
 * `model`: an ntk-lab Mlp, any tf.LayersModel, or a pure function { apply(params, x), params } (opts.method).
 */
export async function ntk(model: AutodiffModel, x1: InputBatch, x2?: InputBatch, opts: NtkOptions = {}): Promise<Kernel> {
  return (await compute(model, x1, x2, opts, false)).ntk;
}

/**
 * The NTK and its components, one per parameter tensor, which sum to it; shapes as `ntk`. Labels: 'layer1/weight',
 * 'layer1/bias', ... for ntk-lab MLPs; '<layer name>/<weight name>' ('conv2d_1/kernel', 'dense/bias') for a tf.LayersModel.
 */
export async function ntkLayerwise(model: AutodiffModel, x1: InputBatch, x2?: InputBatch, opts: NtkOptions = {}): Promise<LayerwiseNtk> {
  return compute(model, x1, x2, opts, true);
}

/**
 * The NTK block by block (tile x tile examples, default 1024), as the blocks finish: for kernels too large to hold,
 * to stream to disk or to a widget. A symmetric kernel computes each off-diagonal block once and also yields its transpose.
 */
export async function* ntkTiles(
  model: AutodiffModel,
  x1: InputBatch,
  x2?: InputBatch,
  opts: NtkOptions & { tile?: number; components?: boolean } = {},
): AsyncGenerator<NtkTile> {
  await ensureBackend();
  const p = prepare(model, x1, x2, opts);
  const withComponents = opts.components ?? false;
  const tile = resolveTile(p, opts.tile ?? 1024, 1 + (withComponents ? p.labels.length : 0), false);
  yield* tilesOf(p, tile, withComponents, opts);
}
