/**
 * The memory-bound passes of the autodiff route's elementwise ops (residual sums, fan-out cotangents, batch norm's
 * per-channel affine map): in C through the addon (src/ntk/native/elementwise.cc) when it is loaded, else the same
 * double arithmetic in TypeScript, bit for bit (test/ntk/elementwise.test.ts). Over a ResNet block's 6.3 M values
 * per pass the TypeScript loops took ~100 of a ~220 ms NTK (n = 500, bench/jacobian part 2b).
 */
import { active } from '../../../linalg/backend';

/** y[q] += alpha x[q] for q < n (n defaults to x.length). */
export function axpy(alpha: number, x: Float32Array, y: Float32Array, n = x.length): void {
  const { addon } = active();
  if (addon) return addon.axpy(n, alpha, x, y);
  for (let q = 0; q < n; q++) y[q] += alpha * x[q];
}

/** y[r, c] = x[r, c] a[c] + b[c] over [rows, C] (b null: no shift); y may be x. */
export function channelAffine(x: Float32Array, rows: number, C: number, a: Float32Array, b: Float32Array | null, y: Float32Array): void {
  const { addon } = active();
  if (addon) return addon.channelAffine(x, rows, C, a, b, y);
  const size = rows * C;
  if (b) for (let q = 0; q < size; q += C) for (let c = 0; c < C; c++) y[q + c] = x[q + c] * a[c] + b[c];
  else for (let q = 0; q < size; q += C) for (let c = 0; c < C; c++) y[q + c] = x[q + c] * a[c];
}
