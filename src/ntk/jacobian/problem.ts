/**
 * The Jacobian method as a tile source for ntk / ntkLayerwise / ntkTiles: inputs checked and flattened, the
 * memory needed estimated from the measured per-example sizes, then blocks of J_1 J_2^T contracted per
 * parameter tensor from per-example gradient factors. Examples are processed in chunks (forward + one reverse
 * pass with k one-hot cotangents each), so a pass never holds more than the budget allows.
 */
import { CancelledError } from '../../errors';
import { Matrix } from '../../linalg';
import type { Range } from '../explicit/block';
import { InputBatch } from '../input';
import { OutputLayout } from '../kernel';
import { valuesPerPair } from '../memory';
import { NtkOptions } from '../options';
import { batchShape, toBatch } from './batch';
import { GramCache, contractFactors, mirrorLower } from './contract';
import { Factor, allocateFactor, copyFactor, releaseFactors } from './factors';
import { ConvolutionsOption, NtkCost, applyRoutes, countGraph } from './cost';
import { AutodiffModel, Linearised, factorBytesPerExample, linearise, passChunk } from './linearised';
import { LinearOp } from './ops/linear';
import { directConv } from './ops/direct-conv';
import { addTime } from './profile';

/** The factors of a range of examples; `pooled`: their arrays came from the scratch pool (allocateFactor). */
interface Factors {
  factors: Factor[];
  pooled: boolean;
}

/** One block of values with its per-parameter components, as ntk.ts assembles them. */
export interface JacobianBlock {
  rows: Range;
  cols: Range;
  total: Float32Array;
  components: Float32Array[] | null;
}

/** Bytes by part, as the explicit method's MemoryEstimate. */
export interface JacobianEstimate {
  features: number;
  output: number;
  working: number;
  total: number;
}

export interface JacobianProblem {
  lin: Linearised;
  /** The FLOP count and the per-layer routes of the last plan (null for pure functions). */
  readonly cost: NtkCost | null;
  x1: Matrix<Float32Array>;
  x2: Matrix<Float32Array> | null;
  k: number;
  labels: string[];
  /** Memory of a call: `outputs` kernels kept (1 + components), blocks of `tile` examples (undefined: one block). */
  estimate(outputs: number, tile: number | undefined, assembled: boolean): JacobianEstimate;
  /** The blocks of the kernel (a symmetric kernel: J >= I only), with `step` after each unit of work. */
  blocks(tile: number | undefined, withComponents: boolean, opts: NtkOptions, step: (total: number) => void): AsyncGenerator<JacobianBlock>;
}

function ranges(n: number, tile: number): Range[] {
  const out: Range[] = [];
  for (let s = 0; s < n; s += tile) out.push({ start: s, end: Math.min(n, s + tile) });
  return out;
}

/** Checks inputs, builds the model's linearisation and measures its per-example sizes. */
export function prepareJacobian(model: AutodiffModel, x1: InputBatch, x2: InputBatch | undefined, layout: OutputLayout, maxBytes: number, convolutions: ConvolutionsOption = 'auto'): JacobianProblem {
  let m1: Matrix<Float32Array> | null = null;
  const lin = linearise(model, x1, () => {
    // A pure function has no declared input shape: x1 gives it (checked here, before any tfjs call).
    m1 = toBatch(x1, 'x1', batchShape(x1, 'x1'));
    return { x: m1.data, n: m1.rows };
  });
  m1 ??= toBatch(x1, 'x1', lin.inputShape);
  const m2 = x2 === undefined || x2 === null ? null : toBatch(x2, 'x2', lin.inputShape);
  let cost: NtkCost | null = null;
  let planned: ConvolutionsOption | null = null;
  const described = lin.description;
  /** Sets the routes of the layers over positions (option 'auto': by the FLOP model) and names them in the description. */
  const plan = (option: ConvolutionsOption): void => {
    planned = option;
    if (!lin.graph) return;
    cost = countGraph(lin.graph, m1!.rows, m2 ? m2.rows : undefined, layout, option);
    applyRoutes(lin.graph, cost);
    const over = cost.layers.filter((l) => l.routes);
    lin.description = described;
    if (over.length) lin.description += `; ${over.map((l) => `${l.labels[0]} ${l.route}`).join(', ')} (${option === 'auto' ? "by ntkCost's FLOP model" : 'asked for'})`;
    // Which code runs the convolutions' passes (the same kernel either way, to float32 rounding).
    if (lin.graph.nodes.some((node) => node.op instanceof LinearOp && node.op.convolution)) {
      lin.description += `; convolutions on ${directConv() ? "the addon's direct kernels (AVX2 + FMA)" : 'im2col + OpenBLAS'}`;
    }
  };
  // Before measuring what the factors hold: the routes decide it (so the memory estimate is that of the routes asked for).
  plan(convolutions);
  const fb = factorBytesPerExample(lin, m1.data.subarray(0, m1.cols));
  const k = lin.k;
  const vpp = valuesPerPair(k, layout);
  const n1 = m1.rows;
  const n2 = m2 ? m2.rows : n1;
  // Per-example gradients formed at once by a contraction (patch factors), bounded for large convolutions.
  const workValues = Math.max(1 << 16, Math.min(1 << 24, Math.floor(maxBytes / 64)));
  const chunkOf = (rows: number): number => passChunk(lin, rows, maxBytes);
  const x1m = m1;

  const estimate = (outputs: number, tile: number | undefined, assembled: boolean): JacobianEstimate => {
    const b1 = Math.min(tile ?? n1, n1);
    const b2 = Math.min(tile ?? n2, n2);
    const features = fb * (b1 + (m2 || tile !== undefined ? b2 : 0));
    const pass = lin.passBytesPerExample * chunkOf(Math.max(b1, b2));
    const output = assembled ? 4 * n1 * n2 * vpp * outputs : 0;
    const working = pass + 4 * workValues + 4 * b1 * b2 * vpp * (2 + (tile !== undefined ? outputs : 0));
    return { features, output, working, total: features + output + working };
  };

  /**
   * The factors of examples r of x, pass by pass into arrays of their own; `sole`: no other pass runs while
   * they are used (a symmetric kernel in one block), so one pass's factors are used where they are, uncopied.
   */
  async function features(x: Matrix<Float32Array>, r: Range, opts: NtkOptions, sole = false): Promise<Factors> {
    const rows = r.end - r.start;
    const chunk = chunkOf(rows);
    let out: Factor[] | null = null;
    try {
      for (let s = r.start; s < r.end; s += chunk) {
        if (opts.signal?.aborted) throw new CancelledError('NTK cancelled while computing per-example gradients');
        const e = Math.min(r.end, s + chunk);
        const part = lin.factors(x.data.subarray(s * x.cols, e * x.cols), e - s);
        // (Copying them cost 14-37 ms of a 330 ms MLP NTK at n = 1000.)
        if (sole && chunk >= rows) return { factors: part, pooled: false };
        const t0 = performance.now();
        out ??= part.map((f) => allocateFactor(f, rows));
        part.forEach((f, t) => copyFactor(out![t], f, s - r.start));
        addTime('copy factors', (performance.now() - t0) / 1000);
        // Let other work (and cancellation) in between chunks.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      if (out) releaseFactors(out);
      throw err;
    }
    return { factors: out!, pooled: true };
  }

  /** Gives pooled factors back once their blocks are contracted (a pass's own factors stay with its ops). */
  const done = (f: Factors | null): void => {
    if (f?.pooled) releaseFactors(f.factors);
  };

  async function* blocks(tile: number | undefined, withComponents: boolean, opts: NtkOptions, step: (total: number) => void): AsyncGenerator<JacobianBlock> {
    const option = opts.convolutions ?? 'auto';
    if (option !== planned) plan(option);
    const rowRanges = ranges(n1, tile ?? n1);
    const colRanges = ranges(n2, tile ?? n2);
    const nBlocks = m2 ? rowRanges.length * colRanges.length : (rowRanges.length * (rowRanges.length + 1)) / 2;
    const total = nBlocks * (1 + lin.labels.length);
    let rowF: Factors | null = null;
    let colF: Factors | null = null;
    try {
      for (let I = 0; I < rowRanges.length; I++) {
        done(rowF);
        rowF = null;
        rowF = await features(x1m, rowRanges[I], opts, !m2 && rowRanges.length === 1);
        const fI = rowF.factors;
        for (let J = m2 ? 0 : I; J < colRanges.length; J++) {
          if (opts.signal?.aborted) throw new CancelledError(`NTK cancelled at block (${I}, ${J})`);
          done(colF);
          colF = null;
          if (m2 || J !== I) colF = await features(m2 ?? x1m, colRanges[J], opts);
          const fJ = colF ? colF.factors : fI;
          step(total);
          const same = !m2 && J === I;
          const nb1 = rowRanges[I].end - rowRanges[I].start;
          const sum = new Float32Array(nb1 * (colRanges[J].end - colRanges[J].start) * vpp);
          const comps: Float32Array[] = [];
          const cache: GramCache = { dg: null };
          for (let t = 0; t < fI.length; t++) {
            const t0 = performance.now();
            if (withComponents) {
              const c = await contractFactors(fI[t], fJ[t], layout, workValues, undefined, cache);
              for (let q = 0; q < c.length; q++) sum[q] += c[q];
              if (same) mirrorLower(c, nb1, k, layout);
              comps.push(c);
            } else {
              await contractFactors(fI[t], fJ[t], layout, workValues, sum, cache);
            }
            addTime(`${lin.labels[t]}:contract`, (performance.now() - t0) / 1000);
            step(total);
          }
          const t1 = performance.now();
          if (same) mirrorLower(sum, nb1, k, layout);
          addTime('mirror', (performance.now() - t1) / 1000);
          yield { rows: rowRanges[I], cols: colRanges[J], total: sum, components: withComponents ? comps : null };
        }
      }
    } finally {
      // Also when the consumer stops early or a contraction throws: the factors go back to the pool.
      done(colF);
      done(rowF);
    }
  }

  return {
    lin,
    get cost() {
      return cost;
    },
    x1: m1,
    x2: m2,
    k,
    labels: lin.labels,
    estimate,
    blocks,
  };
}
