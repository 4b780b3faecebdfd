/**
 * The conjugate kernel: the Gram matrix of a hidden layer's post-activations, normalised by the width,
 * CK_l(x, x') = h_l(x) . h_l(x') / n_l (Fan & Wang 2020 and Ba et al. 2022 normalise the features by 1/sqrt(n_l) the same way).
 */
import { ensureBackend } from '../backend';
import { InvalidOptionError, MemoryBudgetError } from '../errors';
import { gramAsync, linalgInfo, matmulAsync } from '../linalg';
import { forward } from './explicit/features';
import { NtkModel, explicitNetwork } from './explicit/network';
import { assertFiniteBlock, assertFiniteFeatures, largestMagnitude } from './finite';
import { InputBatch, toInputMatrix } from './input';
import { Kernel } from './kernel';
import { defaultMaxBytes, formatBytes } from './memory';

export interface CkOptions {
  /** Hidden layer l (1-based, 1..L); default the last hidden layer. 0 is the input Gram x.x'/d. */
  layer?: number;
  /** Memory budget in bytes (default: half of the available memory). */
  maxBytes?: number;
}

/** Conjugate kernel of hidden layer `layer`: [n1, n2] = H_l(x1) H_l(x2)^T / n_l (float32). */
export async function ck(model: NtkModel, x1: InputBatch, x2?: InputBatch, opts: CkOptions = {}): Promise<Kernel> {
  const start = performance.now();
  const backend = await ensureBackend();
  const net = explicitNetwork(model);
  const hiddenLayers = net.layers.length - 1;
  const layer = opts.layer ?? hiddenLayers;
  if (!Number.isInteger(layer) || layer < 0 || layer > hiddenLayers) {
    throw new InvalidOptionError(`ck: layer must be an integer in 0..${hiddenLayers} (the hidden layers of this model), got ${layer}`);
  }
  const d = net.layers[0].inDim;
  const m1 = toInputMatrix(x1, 'x1', d);
  const m2 = x2 === undefined ? null : toInputMatrix(x2, 'x2', d);
  const n1 = m1.rows;
  const n2 = m2 ? m2.rows : n1;
  const maxBytes = opts.maxBytes ?? defaultMaxBytes();
  const widestPath = net.layers.slice(0, layer).reduce((s, l) => s + 2 * l.outDim, d);
  const need = 4 * (n1 * n2 + (n1 + (m2 ? n2 : 0)) * widestPath);
  if (need > maxBytes) {
    throw new MemoryBudgetError(`ck of ${n1} x ${n2} examples needs about ${formatBytes(need)}, over maxBytes = ${formatBytes(maxBytes)}`, need, maxBytes);
  }
  const scale = (): number => largestMagnitude(m1.data, m2?.data);
  // Features that overflowed are named here (linalg would refuse them with a message about its own argument).
  const h1 = (await forward(net, m1, layer)).inputs[layer];
  assertFiniteFeatures(h1, `ck: layer ${layer}'s features of x1`, scale);
  const h2 = m2 ? (await forward(net, m2, layer)).inputs[layer] : null;
  if (h2) assertFiniteFeatures(h2, `ck: layer ${layer}'s features of x2`, scale);
  const width = h1.cols;
  const values = h2 ? (await matmulAsync(h1, h2, { transB: true, alpha: 1 / width })).data : (await gramAsync(h1, { alpha: 1 / width })).data;
  assertFiniteBlock(values, `ck of layer ${layer}`, { rowStart: 0, colStart: 0, cols: n2, layout: 'trace', outputs: 1 }, scale);
  return new Kernel({
    values,
    shape: [n1, n2],
    kind: 'ck',
    layout: 'trace',
    outputs: 1,
    label: `ck:layer${layer}`,
    symmetric: !m2,
    backend: `${linalgInfo().implementation}, tfjs ${backend.name}`,
    wallTimeMs: performance.now() - start,
    normalization: `h_l(x) . h_l(x') / n_l with n_l = ${width}: ${net.description}`,
  });
}
