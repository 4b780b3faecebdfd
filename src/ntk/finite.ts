/**
 * Checks on computed kernels: inputs are checked before any work (./input.ts), but finite inputs can still
 * overflow float32 inside the network (|x| ~ 1e38, huge weights), and a kernel holding Infinity/NaN must not
 * reach a user as if it were a result. Each check names the first bad entry in the kernel's own indices.
 */
import { NonFiniteError } from '../errors';
import type { OutputLayout } from './kernel';
import { firstNonFinite } from './input';

/** The block a set of values covers: its first example indices and extents, as a tile describes them. */
export interface BlockPlace {
  rowStart: number;
  colStart: number;
  /** Columns of the block (examples, before the layout multiplies them). */
  cols: number;
  layout: OutputLayout;
  /** Outputs per example (k). */
  outputs: number;
}

/** The largest |value| of the inputs, to say in the message why a kernel overflowed (computed only on failure). */
export function largestMagnitude(...inputs: (Float32Array | null | undefined)[]): number {
  let m = 0;
  for (const x of inputs) if (x) for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/** Throws NonFiniteError naming the first non-finite value of a kernel block (`what`: e.g. "ntk", "ntk component layer2/weight"). */
export function assertFiniteBlock(values: Float32Array, what: string, place: BlockPlace, inputScale: () => number): void {
  const idx = firstNonFinite(values);
  if (idx < 0) return;
  const { rowStart, colStart, cols, layout, outputs: k } = place;
  let where: string;
  if (layout === 'full') {
    const width = cols * k;
    where = `[${rowStart * k + Math.floor(idx / width)}, ${colStart * k + (idx % width)}]`;
  } else if (layout === 'diagonal') {
    const pair = Math.floor(idx / k);
    where = `[${rowStart + Math.floor(pair / cols)}, ${colStart + (pair % cols)}, ${idx % k}]`;
  } else {
    where = `[${rowStart + Math.floor(idx / cols)}, ${colStart + (idx % cols)}]`;
  }
  throw new NonFiniteError(
    `${what}: the computed kernel holds ${values[idx]} at ${where}: the network's activations or gradients overflow float32 ` +
      `for these inputs (largest |input| = ${inputScale().toExponential(2)}); rescale the inputs or the weights`,
  );
}

/** Throws NonFiniteError naming the first non-finite entry of a vector result (ntkVp's Theta v). */
export function assertFiniteVector(values: Float32Array, what: string, outputs: number, inputScale: () => number): void {
  const idx = firstNonFinite(values);
  if (idx < 0) return;
  throw new NonFiniteError(
    `${what}: the result holds ${values[idx]} at index ${idx} (example ${Math.floor(idx / outputs)}, output ${idx % outputs}): ` +
      `the network's activations or gradients overflow float32 for these inputs (largest |input| = ${inputScale().toExponential(2)}); rescale the inputs or the weights`,
  );
}

/** Throws NonFiniteError naming the first non-finite entry of a layer's features (rows: examples, cols: units). */
export function assertFiniteFeatures(h: { rows: number; cols: number; data: Float32Array }, what: string, inputScale: () => number): void {
  const idx = firstNonFinite(h.data);
  if (idx < 0) return;
  throw new NonFiniteError(
    `${what} hold ${h.data[idx]} at example ${Math.floor(idx / h.cols)}, unit ${idx % h.cols}: the network's activations overflow float32 ` +
      `for these inputs (largest |input| = ${inputScale().toExponential(2)}); rescale the inputs or the weights`,
  );
}
