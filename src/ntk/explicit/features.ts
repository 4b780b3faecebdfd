/**
 * Forward and backward pass of an MLP on float32 matrices, keeping exactly what the explicit NTK contracts:
 * for each layer l, its input h_{l-1} and the derivatives delta_l^a = d f_a / d z_l of every output a.
 * No Jacobian is formed: the weight component of layer l is (Delta_l Delta_l'^T) o (m_l^2 H_{l-1} H_{l-1}'^T),
 * the bias component (Delta_l Delta_l'^T) * bm_l^2.
 */
import { Matrix, matmulAsync } from '../../linalg';
import { OutputLayout } from '../kernel';
import { ExplicitNetwork } from './network';
import { biasActivation, multiplyRows } from './elementwise';
import { giveScratch, takeScratch } from './scratch';

/** What one layer contributes to the kernel, for a batch of n inputs. */
export interface LayerFeatures {
  /** Input of the layer, h_{l-1}: n x inDim. */
  h: Matrix<Float32Array>;
  /** Output derivatives, row i*k + a = delta_l^a(x_i): (n k) x outDim. Viewed as n x (k outDim) it serves the 'trace' layout. */
  d: Matrix<Float32Array>;
  /** For the 'diagonal' layout: delta_l^a for each output a, n x outDim each. */
  dPerOutput?: Matrix<Float32Array>[];
  /** True for a linear output layer: delta^a = e_a for every input, so the deltas' Gram is known (delta_ab) without a product. */
  unitDeltas?: boolean;
}

/** Forward pass through the first `depth` layers: post-activations h_0 = x, ..., h_depth and slopes phi'(z_l). */
export async function forward(
  net: ExplicitNetwork,
  x: Matrix<Float32Array>,
  depth = net.layers.length,
): Promise<{ inputs: Matrix<Float32Array>[]; slopes: Float32Array[] }> {
  const n = x.rows;
  const inputs: Matrix<Float32Array>[] = [x];
  const slopes: Float32Array[] = [];
  for (let l = 0; l < depth; l++) {
    const spec = net.layers[l];
    const { W, b } = net.weights[l];
    const z = await matmulAsync(inputs[l], { rows: spec.inDim, cols: spec.outDim, data: W }, {
      alpha: spec.weightMultiplier,
      out: { rows: n, cols: spec.outDim, data: takeScratch(n * spec.outDim) },
      checkFinite: false,
    });
    const slope = takeScratch(n * spec.outDim);
    biasActivation(spec.activation, z.data, slope, spec.outDim, b, spec.biasMultiplier);
    slopes.push(slope);
    inputs.push(z);
  }
  return { inputs, slopes };
}

/** Runs the network on x (n x inputDim) and returns every layer's features (forward, then one k-output backward pass). */
export async function explicitFeatures(net: ExplicitNetwork, x: Matrix<Float32Array>, layout: OutputLayout): Promise<LayerFeatures[]> {
  const n = x.rows;
  const L = net.layers.length;
  const k = net.layers[L - 1].outDim;
  const { inputs, slopes } = await forward(net, x);

  // delta_{L}^a = e_a o phi_L'(z_L): row (i, a) holds slope only in column a.
  const deltas: Matrix<Float32Array>[] = new Array(L);
  const top = new Float32Array(n * k * k);
  const lastSlope = slopes[L - 1];
  for (let i = 0; i < n; i++) for (let a = 0; a < k; a++) top[(i * k + a) * k + a] = lastSlope[i * k + a];
  deltas[L - 1] = { rows: n * k, cols: k, data: top };
  for (let l = L - 2; l >= 0; l--) {
    const next = net.layers[l + 1];
    const back = await matmulAsync(deltas[l + 1], { rows: next.inDim, cols: next.outDim, data: net.weights[l + 1].W }, {
      transB: true,
      alpha: next.weightMultiplier,
      out: { rows: n * k, cols: next.inDim, data: takeScratch(n * k * next.inDim) },
      checkFinite: false,
    });
    multiplyRows(back.data, slopes[l], n, k, net.layers[l].outDim);
    deltas[l] = back;
  }

  giveScratch(...slopes);
  return net.layers.map((spec, l): LayerFeatures => {
    const f: LayerFeatures = { h: inputs[l], d: deltas[l] };
    if (l === L - 1 && spec.activation === 'linear') f.unitDeltas = true;
    if (layout === 'diagonal') f.dPerOutput = splitOutputs(deltas[l], n, k, spec.outDim);
    return f;
  });
}

function splitOutputs(d: Matrix<Float32Array>, n: number, k: number, cols: number): Matrix<Float32Array>[] {
  const out: Matrix<Float32Array>[] = [];
  for (let a = 0; a < k; a++) {
    const data = takeScratch(n * cols);
    for (let i = 0; i < n; i++) data.set(d.data.subarray((i * k + a) * cols, (i * k + a + 1) * cols), i * cols);
    out.push({ rows: n, cols, data });
  }
  return out;
}

/** Hands the features' arrays back to the scratch pool (not the input x, which belongs to the caller). */
export function releaseFeatures(layers: LayerFeatures[]): void {
  layers.forEach((f, l) => {
    if (l > 0) giveScratch(f.h.data);
    giveScratch(f.d.data, ...(f.dPerOutput ?? []).map((m) => m.data));
  });
}
