/**
 * Per-example gradients of one parameter tensor, kept in the cheapest form that still gives J J'^T exactly,
 * for a range of n examples and k outputs (row i*k + a):
 * - 'outer': the gradient of example i, output a, is scale^(1/2) h_i (x) d_i^a (a Dense layer): the kernel is
 *   scale (H H'^T) o (D D'^T), never forming the n x (din dout) Jacobian (as the explicit MLP method).
 * - 'patch': sum over positions p of patch_i(p) (x) d_i^a(p) (a convolution, or a Dense on a sequence). Route
 *   'gradients': the per-example gradients are formed from im2col patches, a block of output channels at a time,
 *   then Gram-ed. Route 'structured': never formed; the kernel is scale sum_{p,q} (patch_i(p) . patch_j(q))
 *   (d_i^a(p) . d_j^b(q)), patch Grams times delta Grams over blocks of examples (cheaper when P^2 (C + cout)
 *   < C cout), and a 'shared' bias after it takes the sums of the delta Grams.
 * - 'rows': the per-example gradients themselves, [(n k), cols] (biases, embeddings, layers without a rule).
 * - 'shared': the bias of the 'outer' (or structured 'patch') factor just before it, whose gradient is
 *   scale d_i^a (scale sum_p d_i^a(p)): its kernel is scale^2 (D D'^T) (scale^2 sum_{p,q} of the delta Grams),
 *   which that factor's contraction already formed (no data of its own).
 */

import { giveScratch, takeScratch } from '../explicit/scratch';

/** How a weight over several positions is contracted: per-example gradients, or patch Grams x delta Grams. */
export type ConvRoute = 'gradients' | 'structured';

export interface OuterFactor {
  kind: 'outer';
  n: number;
  k: number;
  /** Layer inputs, [n, hCols]. */
  h: Float32Array;
  hCols: number;
  /** Output cotangents, [(n k), dCols]. */
  d: Float32Array;
  dCols: number;
  scale: number;
}

export interface PatchFactor {
  kind: 'patch';
  n: number;
  k: number;
  /** Layer inputs, [n, inSize]. */
  h: Float32Array;
  inSize: number;
  /** Cotangents of the pre-activation, [(n k), P, cout]. */
  d: Float32Array;
  /** Positions, patch length, output channels. */
  P: number;
  C: number;
  cout: number;
  scale: number;
  /** Fills out [P, C] with the patches of one example's input h[offset .. offset + inSize). */
  im2col: (h: Float32Array, offset: number, out: Float32Array) => void;
  route: ConvRoute;
}

export interface RowsFactor {
  kind: 'rows';
  n: number;
  k: number;
  /** Per-example gradients, [(n k), cols]. */
  g: Float32Array;
  cols: number;
}

export interface SharedFactor {
  kind: 'shared';
  n: number;
  k: number;
  scale: number;
}

export type Factor = OuterFactor | PatchFactor | RowsFactor | SharedFactor;

/** Float32 values a factor holds (for budgets). */
export function factorSize(f: Factor): number {
  if (f.kind === 'outer') return f.h.length + f.d.length;
  if (f.kind === 'patch') return f.h.length + f.d.length;
  if (f.kind === 'shared') return 0;
  return f.g.length;
}

/** Per-example lengths of a factor's arrays: [h, d] (outer, patch) or [g] (rows). */
function perExample(f: Factor): number[] {
  if (f.kind === 'outer') return [f.hCols, f.k * f.dCols];
  if (f.kind === 'patch') return [f.inSize, f.k * f.P * f.cout];
  if (f.kind === 'shared') return [];
  return [f.k * f.cols];
}

/**
 * A factor like `f` for `n` examples (the destination of per-chunk factors), its arrays from the scratch pool
 * (contents unspecified: the chunks' copies fill every row). Fresh ones cost their page faults on every call (the
 * CNN's 55 MB of factors at n = 500: ~15 ms); give them back with releaseFactors when the block is done.
 */
export function allocateFactor(f: Factor, n: number): Factor {
  const [a, b] = perExample(f);
  if (f.kind === 'shared') return { ...f, n };
  if (f.kind === 'rows') return { ...f, n, g: takeScratch(n * a) };
  if (f.kind === 'outer') return { ...f, n, h: takeScratch(n * a), d: takeScratch(n * b) };
  return { ...f, n, h: takeScratch(n * a), d: takeScratch(n * b) };
}

/** Returns the arrays of factors made by allocateFactor to the pool; they must not be used afterwards. */
export function releaseFactors(fs: Factor[]): void {
  for (const f of fs) {
    if (f.kind === 'rows') giveScratch(f.g);
    else if (f.kind === 'outer' || f.kind === 'patch') giveScratch(f.h, f.d);
  }
}

/**
 * Copies the factor of a chunk of examples into `dst` from example `offset` on. Chunks' factors may live in
 * buffers the next chunk overwrites, so they are copied before it runs.
 */
export function copyFactor(dst: Factor, src: Factor, offset: number): void {
  const [a, b] = perExample(src);
  if (dst.kind === 'shared' && src.kind === 'shared') return;
  if (dst.kind === 'rows' && src.kind === 'rows') {
    dst.g.set(src.g, offset * a);
  } else if ((dst.kind === 'outer' && src.kind === 'outer') || (dst.kind === 'patch' && src.kind === 'patch')) {
    dst.h.set(src.h.subarray(0, src.n * a), offset * a);
    dst.d.set(src.d.subarray(0, src.n * b), offset * b);
  } else {
    throw new Error(`copyFactor: factor kinds differ (${dst.kind} vs ${src.kind})`);
  }
}
