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
 * - 'jacobian': any tf.LayersModel (Sequential or functional) or pure f(params, x). One forward and one reverse pass
 *   with k one-hot cotangents per chunk of examples; Dense/Conv1D/Conv2D/Embedding weights get their per-example
 *   gradients from the layer inputs and the backpropagated deltas (Dense: (H H'^T) o (D D'^T) as 'explicit'; Conv:
 *   im2col patches^T deltas, O(n k C cout) values per block of output channels, or, for few positions P, patch Grams
 *   times delta Grams without per-example gradients: opts.convolutions, chosen per layer by `ntkCost`'s FLOP model),
 *   then Gram products on OpenBLAS.
 *   Layers without such a rule take one tfjs reverse pass per (example, output): O(n k P) memory. Pure functions
 *   that accept per-row parameters take one tfjs reverse pass per block of examples x outputs (docs/architectures.md).
 *   Components labelled '<layer name>/<weight name>' ('conv2d_1/kernel'); ntk-lab MLPs keep 'layer1/weight'.
 * - 'vp': NTK-vector products Theta v without the kernel: not a kernel method, call `ntkVp(model, x, v)`
 *   (O(n k + P) memory, one reverse and one forward-mode pass); `ntk` refuses it.
 * - 'auto' (default): 'explicit' for MLPs, 'jacobian' otherwise, by an analytic FLOP/byte cost model
 *   (`chooseNtkMethod`); the kernel's `backend` field says what was picked and why.
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
  /**
   * Method 'jacobian', weights over several positions (convolutions, Dense on sequences): 'gradients' forms
   * per-example weight gradients (O(n k P C cout) + Gram O(n^2 k C cout)); 'structured' contracts patch Grams
   * with delta Grams (O(n^2 P^2 (C + k cout)), cheaper for few positions); 'auto' (default) picks per layer by
   * the FLOP model of `ntkCost`. Results agree to float32 rounding.
   */
  convolutions?: 'auto' | 'gradients' | 'structured';
}
