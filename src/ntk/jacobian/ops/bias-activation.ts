/**
 * The bias and activation passes of the linear op, fused: z = phi(z + bm b) in one pass over the batch, and in
 * the reverse pass the pre-activation cotangent dz = dOut o phi'(z) together with the per-row bias gradients.
 * relu is branch-free: pre-activations have random signs, and a branch on them mispredicts half the time.
 */
import { ActivationName, activation } from '../../../models';
import { active } from '../../../linalg/backend';
import { Scratch } from './scratch';

/**
 * In place over z [rows, cout]: z = phi(z + bm b); returns phi'(z) (for relu the output itself, phi'(z) = [y > 0]),
 * or null for a linear layer. Non-relu slopes go to the scratch buffer 'slope'.
 */
export function biasActivate(z: Float32Array, rows: number, cout: number, b: Float32Array | null, bm: number, name: ActivationName, scratch: Scratch): Float32Array | null {
  const { addon } = active();
  if (addon && name === 'relu') {
    // In C (src/ntk/native/elementwise.cc, same formula and bits): ~10x the JavaScript loop.
    addon.reluBias(z, rows, cout, b ? b.map((v) => bm * v) : null);
    return z;
  }
  const bias = b ? b.map((v) => bm * v) : new Float32Array(cout);
  if (name === 'linear') {
    if (b) for (let r = 0; r < rows; r++) for (let o = 0, q = r * cout; o < cout; o++, q++) z[q] += bias[o];
    return null;
  }
  if (name === 'relu') {
    for (let r = 0; r < rows; r++) {
      for (let o = 0, q = r * cout; o < cout; o++, q++) {
        const v = z[q] + bias[o];
        z[q] = (v + Math.abs(v)) * 0.5;
      }
    }
    return z;
  }
  const act = activation(name);
  const slope = scratch.f32('slope', rows * cout);
  for (let r = 0; r < rows; r++) {
    for (let o = 0, q = r * cout; o < cout; o++, q++) {
      const v = z[q] + bias[o];
      slope[q] = act.df(v);
      z[q] = act.f(v);
    }
  }
  return slope;
}

/**
 * In place over stacked cotangents dOut [(n stack) P, cout]: dz = dOut o phi'(z) (slope [n P, cout], null: linear);
 * with `biasRows` [(n stack), cout], also bm sum_p dz(p) per (example, output) in the same pass.
 */
export function deactivate(
  dOut: Float32Array,
  slope: Float32Array | null,
  relu: boolean,
  dims: { n: number; stack: number; P: number; cout: number; bm: number },
  biasRows: Float32Array | null,
): void {
  const { n, stack, P, cout, bm } = dims;
  if (!slope && !biasRows) return;
  const { addon } = active();
  if (addon) return addon.deactivate(dOut, slope, relu, n, stack, P, cout, bm, biasRows);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < stack; a++) {
      const r = i * stack + a;
      const g = biasRows ? biasRows.subarray(r * cout, (r + 1) * cout) : null;
      for (let p = 0; p < P; p++) {
        const q0 = (r * P + p) * cout;
        const s0 = (i * P + p) * cout;
        if (slope) {
          if (relu) for (let o = 0; o < cout; o++) dOut[q0 + o] *= +(slope[s0 + o] > 0);
          else for (let o = 0; o < cout; o++) dOut[q0 + o] *= slope[s0 + o];
        }
        if (g) for (let o = 0; o < cout; o++) g[o] += dOut[q0 + o];
      }
      if (g && bm !== 1) for (let o = 0; o < cout; o++) g[o] *= bm;
    }
  }
}

/** Forward mode: the output tangent from the pre-activation tangent t, t o phi'(z), in place. */
export function slopeTimes(t: Float32Array, slope: Float32Array | null, relu: boolean): Float32Array {
  if (!slope) return t;
  if (relu) for (let q = 0; q < t.length; q++) t[q] *= +(slope[q] > 0);
  else for (let q = 0; q < t.length; q++) t[q] *= slope[q];
  return t;
}
