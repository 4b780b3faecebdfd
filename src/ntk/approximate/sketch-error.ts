/**
 * The error of a sketched kernel from the sketch itself. Each of the m sketch rows r is an independent draw, and
 * K_ij ~ (1/m) sum_r w_r(i, j) with w_r(i, j) = m sum_a z_i^a[r] z_j^a[r], an unbiased estimate per row: so the
 * sample variance of w_r over the rows, divided by m, estimates Var(K_ij) without knowing the exact kernel (the
 * limit of "two independent half-sketches" taken to m sketches of one row). Summed over the pairs (all diagonal
 * pairs, a random sample of the others) it predicts E ||K_sketch - K||_F^2, the mean squared error over seeds.
 */
import { Rng } from '../../random';

/** Per-row mean and variance of the estimate of K_ij from features Z [(n k), m]: { mean, variance of the mean }. */
function pairMoments(Z: Float32Array, k: number, m: number, i: number, j: number): { mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (let r = 0; r < m; r++) {
    let w = 0;
    for (let a = 0; a < k; a++) w += Z[(i * k + a) * m + r] * Z[(j * k + a) * m + r];
    w *= m;
    sum += w;
    sq += w * w;
  }
  const mean = sum / m;
  const varW = Math.max(0, (sq - m * mean * mean) / (m - 1));
  return { mean, variance: varW / m };
}

/** Expected relative Frobenius error of the sketched trace kernel; `frob2` = ||K_sketch||_F^2 when the kernel was formed. */
export function sketchError(
  Z: Float32Array,
  n: number,
  k: number,
  m: number,
  pairs: number,
  rng: Rng,
  frob2: number | null,
): { estimate: number; pairs: number } {
  let diagVar = 0;
  let diagSq = 0;
  for (let i = 0; i < n; i++) {
    const p = pairMoments(Z, k, m, i, i);
    diagVar += p.variance;
    diagSq += p.mean * p.mean;
  }
  const off = n > 1 ? pairs : 0;
  let offVar = 0;
  let offSq = 0;
  for (let t = 0; t < off; t++) {
    const i = Math.floor(rng.uniform() * n);
    let j = Math.floor(rng.uniform() * (n - 1));
    if (j >= i) j++;
    const p = pairMoments(Z, k, m, i, j);
    offVar += p.variance;
    offSq += p.mean * p.mean;
  }
  const offPairs = n * (n - 1);
  const expected = diagVar + (off ? (offPairs * offVar) / off : 0);
  const sketched = frob2 ?? diagSq + (off ? (offPairs * offSq) / off : 0);
  // E ||K_sketch||^2 = ||K||^2 + E ||K_sketch - K||^2: the exact kernel's norm, less the noise's.
  const exact2 = sketched - expected > 0 ? sketched - expected : sketched;
  return { estimate: Math.sqrt(expected / exact2), pairs: n + off };
}
