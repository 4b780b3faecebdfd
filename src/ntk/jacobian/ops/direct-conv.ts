/**
 * Direct convolution in C (src/ntk/native/conv.cc): the convolution op's forward pass, its input cotangents (a
 * stride-1 convolution's are a convolution of dOut with the flipped kernel) and its per-example filter gradients
 * without an im2col copy of the batch. Used when the addon is loaded and its kernels run vectorised on this CPU;
 * otherwise `directConv()` is null and the op keeps im2col + OpenBLAS (the route these are tested against). On a
 * GPU backend it is null too: there linalg hands the large im2col products to the GPU (src/linalg/gpu.ts).
 */
import { active } from '../../../linalg/backend';
import { onGpuBackend } from '../../../linalg/gpu';
import type { NativeAddon } from '../../../linalg/native';

/** The kernels of the loaded addon, or null (no addon, an older addon without them, or no AVX2 + FMA). */
export type DirectConv = Pick<NativeAddon, 'convForward' | 'convFilterGrads'>;

const vectorised = new WeakMap<NativeAddon, boolean>();

/** The direct kernels when they are the fast route here, else null; `NTK_DIRECT_CONV=0` turns them off (for comparison). */
export function directConv(): DirectConv | null {
  const { addon } = active();
  if (!addon || typeof addon.convForward !== 'function' || process.env.NTK_DIRECT_CONV === '0' || onGpuBackend()) return null;
  let yes = vectorised.get(addon);
  if (yes === undefined) {
    yes = addon.convKernels();
    vectorised.set(addon, yes);
  }
  return yes ? addon : null;
}
