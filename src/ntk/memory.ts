/**
 * Memory estimates made from shapes before anything is allocated, so that a kernel too big for the machine
 * is refused with a number and an option to use, rather than crashing the notebook kernel.
 */
import * as os from 'node:os';
import { DenseSpec } from '../models';
import { OutputLayout } from './kernel';

/** Default budget: half of the memory the OS reports available (bytes). */
export function defaultMaxBytes(): number {
  return Math.floor(0.5 * os.freemem());
}

/** Bytes of the explicit method, by part. */
export interface MemoryEstimate {
  /** Forward activations and output derivatives of x1 (and x2). */
  features: number;
  /** The assembled result(s): kernel plus components. */
  output: number;
  /** Gram products of one block (a tile, or the whole kernel untiled). */
  working: number;
  total: number;
}

/** Float32 values per example pair for k outputs. */
export function valuesPerPair(k: number, layout: OutputLayout): number {
  return layout === 'full' ? k * k : layout === 'diagonal' ? k : 1;
}

/** Estimated bytes of an explicit NTK of n1 x n2 examples; `outputs` = number of n1 x n2 results kept (1 + components), `tile` = block edge. */
export function explicitMemoryEstimate(p: {
  n1: number;
  n2: number;
  symmetric: boolean;
  layers: readonly DenseSpec[];
  layout: OutputLayout;
  outputs: number;
  tile?: number;
}): MemoryEstimate {
  const k = p.layers[p.layers.length - 1].outDim;
  const vpp = valuesPerPair(k, p.layout);
  let perExample = 0;
  for (const s of p.layers) {
    perExample += s.inDim + 2 * k * s.outDim + s.outDim; // h, deltas (+ the product before scaling), slopes
    if (p.layout === 'diagonal') perExample += k * s.outDim;
  }
  const examples = p.symmetric ? p.n1 : p.n1 + p.n2;
  const features = 4 * perExample * examples;
  const output = 4 * p.n1 * p.n2 * vpp * p.outputs;
  const b1 = Math.min(p.tile ?? p.n1, p.n1);
  const b2 = Math.min(p.tile ?? p.n2, p.n2);
  // Per layer: H Gram, D Gram, and the block's total and components while they are built.
  const working = 4 * b1 * b2 * (1 + vpp + vpp * (p.tile ? p.outputs : 0));
  return { features, output, working, total: features + output + working };
}

/** Formats bytes for messages: '1.23 GB'. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 2)} ${units[u]}`;
}
