/**
 * Exact kernel columns K(x, x_idx) for Nystrom, many calls on the same x. Through ntk() every call recomputes the
 * forward and backward pass of all n examples; when the explicit method runs (MLPs), x's layer features are computed
 * once here and each call only runs its few columns' examples and the Gram products (the same code path as ntk()).
 */
import { ensureBackend } from '../../backend';
import { CancelledError, MemoryBudgetError } from '../../errors';
import { chooseNtkMethod } from '../auto';
import { explicitBlock } from '../explicit/block';
import { LayerFeatures, explicitFeatures, releaseFeatures } from '../explicit/features';
import { ExplicitNetwork, explicitNetwork } from '../explicit/network';
import { assertFiniteBlock, largestMagnitude } from '../finite';
import { AutodiffModel } from '../jacobian/linearised';
import { InputBatch } from '../input';
import { explicitMemoryEstimate, formatBytes } from '../memory';
import { ntk } from '../ntk';
import { NtkMethod } from '../options';
import { Rows, pick } from './rows';

/** Kernel values K(x, x_idx) (n x |idx|, trace layout) and K(x_idx, x_idx); `close` releases what was kept. */
export interface ColumnSource {
  columns(idx: readonly number[]): Promise<Float32Array>;
  block(idx: readonly number[]): Promise<Float32Array>;
  close(): void;
}

interface NtkCallOptions {
  method?: NtkMethod;
  maxBytes: number;
  signal?: AbortSignal;
}

function viaNtk(model: AutodiffModel, x: InputBatch, rows: Rows, opts: NtkCallOptions): ColumnSource {
  const call = async (idx: readonly number[], cross: boolean): Promise<Float32Array> => {
    const b = pick(rows, idx);
    try {
      return (await ntk(model, cross ? x : b.batch, cross ? b.batch : undefined, opts)).values;
    } finally {
      b.dispose();
    }
  };
  return { columns: (idx) => call(idx, true), block: (idx) => call(idx, false), close: () => undefined };
}

function viaFeatures(net: ExplicitNetwork, rows: Rows, opts: NtkCallOptions): ColumnSource {
  const x = { rows: rows.n, cols: rows.size, data: rows.data };
  const features = explicitMemoryEstimate({ n1: rows.n, n2: rows.n, symmetric: true, layers: net.layers, layout: 'trace', outputs: 0 }).features;
  if (features > opts.maxBytes) {
    throw new MemoryBudgetError(`nystromNtk: the layer features of ${rows.n} examples need about ${formatBytes(features)}, over maxBytes = ${formatBytes(opts.maxBytes)}`, features, opts.maxBytes);
  }
  let fx: LayerFeatures[] | null = null;
  const featuresOf = async (idx: readonly number[]): Promise<LayerFeatures[]> => {
    if (opts.signal?.aborted) throw new CancelledError('nystromNtk cancelled');
    const data = new Float32Array(idx.length * rows.size);
    idx.forEach((i, r) => data.set(rows.data.subarray(i * rows.size, (i + 1) * rows.size), r * rows.size));
    return explicitFeatures(net, { rows: idx.length, cols: rows.size, data }, 'trace');
  };
  const checked = (v: Float32Array, cols: number): Float32Array => {
    assertFiniteBlock(v, 'ntk', { rowStart: 0, colStart: 0, cols, layout: 'trace', outputs: 1 }, () => largestMagnitude(rows.data));
    return v;
  };
  return {
    async columns(idx) {
      fx ??= await explicitFeatures(net, x, 'trace');
      const fb = await featuresOf(idx);
      try {
        return checked((await explicitBlock(net, fx, fb, { start: 0, end: rows.n }, { start: 0, end: idx.length }, 'trace', false)).total, idx.length);
      } finally {
        releaseFeatures(fb);
      }
    },
    async block(idx) {
      const fb = await featuresOf(idx);
      try {
        return checked((await explicitBlock(net, fb, fb, { start: 0, end: idx.length }, { start: 0, end: idx.length }, 'trace', false)).total, idx.length);
      } finally {
        releaseFeatures(fb);
      }
    },
    close() {
      if (fx) releaseFeatures(fx);
      fx = null;
    },
  };
}

/** Exact columns of the trace NTK of `model` on `rows`, by the explicit features when ntk() would run the explicit method. */
export async function columnSource(model: AutodiffModel, x: InputBatch, rows: Rows, opts: NtkCallOptions): Promise<ColumnSource> {
  await ensureBackend();
  const choice = chooseNtkMethod(model, rows.n, 1, { method: opts.method, outputs: 'trace' });
  if (choice.method !== 'explicit') return viaNtk(model, x, rows, opts);
  return viaFeatures(explicitNetwork(model as Parameters<typeof explicitNetwork>[0]), rows, opts);
}
