/**
 * Options shared by the kernel functions, and the enum of NTK implementations (as neural-tangents'
 * NtkImplementation: each member says when it is the right choice and what it costs).
 */
import { OutputLayout } from './kernel';

/**
 * How the NTK is computed.
 * - 'explicit': MLPs only. Layer by layer: Theta = sum_l (Delta_l Delta_l'^T) o (m_l^2 H_{l-1} H_{l-1}'^T + bm_l^2).
 *   One forward and one (k-output) backward pass, then Gram products: O(n^2 k sum_l (n_{l-1} + n_l)) flops,
 *   O(n sum_l n_l) memory besides the kernel; no Jacobian; every layer's weight and bias component for free.
 * - 'jacobian': any tfjs model, by per-example Jacobians from reverse passes (NTK engine part 2; not in this release).
 * - 'vp': NTK-vector products without the kernel (part 2; not in this release).
 * - 'auto': 'explicit' for MLPs; otherwise the cheapest available.
 */
export type NtkMethod = 'explicit' | 'jacobian' | 'vp' | 'auto';

/** Options of `ntk`, `ntkLayerwise` and `ntkTiles`. */
export interface NtkOptions {
  /** Default 'auto'. */
  method?: NtkMethod;
  /** Layout of the output axes for k > 1 outputs (default 'trace'): n1 x n2, (n1 k) x (n2 k), or n1 x n2 x k. */
  outputs?: OutputLayout;
  /** Memory budget in bytes (default: half of the available memory). Checked before allocating. */
  maxBytes?: number;
  /** Compute in square blocks of this many examples (true: the largest that fits maxBytes). Results equal the untiled ones. */
  tile?: number | boolean;
  /** Called after each unit of work with (done, total) units. */
  onProgress?: (done: number, total: number) => void;
  /** Cancels between blocks with a CancelledError. */
  signal?: AbortSignal;
}
