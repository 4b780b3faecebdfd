/**
 * An independent route to the NTK for tests: the network evaluated in float64 by plain loops, its Jacobian by
 * central finite differences over every parameter, contracted to J J^T. Shares no code with src/ntk.
 */
import { Activation, DenseSpec, LayerWeights } from '../../src/models';

export interface FdNet {
  layers: readonly DenseSpec[];
  weights: LayerWeights[];
  act: (name: string) => Activation;
}

/** f(x) for one input, float64, with parameters given as one flat vector per tensor (W_1, b_1, W_2, ...). */
function forward64(net: FdNet, params: Float64Array[], x: ArrayLike<number>): Float64Array {
  let h = Float64Array.from(x);
  let p = 0;
  for (const spec of net.layers) {
    const W = params[p++];
    const b = spec.bias ? params[p++] : null;
    const z = new Float64Array(spec.outDim);
    for (let j = 0; j < spec.outDim; j++) {
      let s = 0;
      for (let i = 0; i < spec.inDim; i++) s += h[i] * W[i * spec.outDim + j];
      z[j] = spec.weightMultiplier * s + (b ? spec.biasMultiplier * b[j] : 0);
    }
    const a = net.act(spec.activation);
    h = z.map((v) => a.f(v));
  }
  return h;
}

/** Per-tensor Jacobians: jac[t][i] is d f(x_i) / d theta_t as a (k x P_t) row-major array. */
export function fdJacobians(net: FdNet, xs: number[][], step = 1e-5): Float64Array[][] {
  const params: Float64Array[] = [];
  for (let l = 0; l < net.layers.length; l++) {
    params.push(Float64Array.from(net.weights[l].W));
    if (net.layers[l].bias) params.push(Float64Array.from(net.weights[l].b!));
  }
  const k = net.layers[net.layers.length - 1].outDim;
  return params.map((theta) =>
    xs.map((x) => {
      const J = new Float64Array(k * theta.length);
      for (let q = 0; q < theta.length; q++) {
        const keep = theta[q];
        theta[q] = keep + step;
        const up = forward64(net, params, x);
        theta[q] = keep - step;
        const down = forward64(net, params, x);
        theta[q] = keep;
        for (let a = 0; a < k; a++) J[a * theta.length + q] = (up[a] - down[a]) / (2 * step);
      }
      return J;
    }),
  );
}

/** J1 J2^T summed over the given tensors, in the 'full' layout: (n1 k) x (n2 k) row-major, row i*k + a. */
export function contractFull(jac1: Float64Array[][], jac2: Float64Array[][], tensors: number[], k: number): Float64Array {
  const n1 = jac1[0].length;
  const n2 = jac2[0].length;
  const out = new Float64Array(n1 * k * n2 * k);
  for (const t of tensors) {
    const P = jac1[t][0].length / k;
    for (let i = 0; i < n1; i++)
      for (let a = 0; a < k; a++)
        for (let j = 0; j < n2; j++)
          for (let b = 0; b < k; b++) {
            let s = 0;
            const A = jac1[t][i];
            const B = jac2[t][j];
            for (let q = 0; q < P; q++) s += A[a * P + q] * B[b * P + q];
            out[(i * k + a) * n2 * k + j * k + b] += s;
          }
  }
  return out;
}

/** From 'full' (n1 k) x (n2 k) to 'trace' (n1 x n2) or 'diagonal' (n1 x n2 x k). */
export function fromFull(full: Float64Array, n1: number, n2: number, k: number, layout: 'trace' | 'diagonal'): Float64Array {
  const out = new Float64Array(layout === 'trace' ? n1 * n2 : n1 * n2 * k);
  for (let i = 0; i < n1; i++)
    for (let j = 0; j < n2; j++)
      for (let a = 0; a < k; a++) {
        const v = full[(i * k + a) * n2 * k + j * k + a];
        if (layout === 'trace') out[i * n2 + j] += v;
        else out[(i * n2 + j) * k + a] = v;
      }
  return out;
}

/** ||a - b||_F / ||b||_F. */
export function relFrobenius(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] * b[i];
  }
  return Math.sqrt(num / den);
}

/** max |a - b| / max |b| (max |a - b| when b is all zeros). */
export function maxRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}
