/**
 * The five 200 x 200 symmetric test matrices of test/fixtures/spectra/make_fixtures.py, built bit for bit the same
 * way (exact dyadic arithmetic; see that script), and the reference eigenvalues numpy computed for them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Matrix } from '../../src/linalg';
import { mulberry32 } from '../helpers/rng';

export const N = 200;
const H4 = [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]];

function symRandom(n: number, rng: () => number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = rng();
  return a;
}

function permutation(n: number, rng: () => number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((rng() + 0.5) * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function permute(a: Float64Array, n: number, p: number[]): Float64Array {
  const b = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i * n + j] = a[p[i] * n + p[j]];
  return b;
}

function mix(a: Float64Array, n: number, rng: () => number): Float64Array {
  const q = n / 4;
  const b = permute(a, n, permutation(n, rng));
  const c = new Float64Array(n * n);
  for (let ai = 0; ai < 4; ai++) for (let bi = 0; bi < 4; bi++) {
    for (let x = 0; x < 4; x++) for (let y = 0; y < 4; y++) {
      const f = H4[ai][x] * H4[bi][y] * 0.25;
      for (let r = 0; r < q; r++) for (let s = 0; s < q; s++) c[(ai * q + r) * n + bi * q + s] += f * b[(x * q + r) * n + y * q + s];
    }
  }
  return permute(c, n, permutation(n, rng));
}

function blockDiag(blocks: Float64Array[], k: number): Float64Array {
  const n = k * blocks.length;
  const a = new Float64Array(n * n);
  blocks.forEach((b, t) => {
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) a[(t * k + i) * n + t * k + j] = b[i * k + j];
  });
  return a;
}

/** The five families by name. */
export function families(): Record<string, Matrix<Float64Array>> {
  const n = N;
  const q = n / 4;
  const out: Record<string, Float64Array> = {};
  out.random = symRandom(n, mulberry32(1));
  let rng = mulberry32(2);
  const b = symRandom(q, rng);
  out.repeated = mix(mix(blockDiag([b, b, b, b], q), n, rng), n, rng);
  rng = mulberry32(3);
  const c = symRandom(q, rng);
  const e = new Float64Array(q * q);
  for (let i = 0; i < q; i++) for (let j = i; j < q; j++) e[i * q + j] = e[j * q + i] = Math.floor((rng() + 0.5) * 3) - 1;
  const blocks = [0, 1, 2, 3].map((k) => c.map((v, t) => v + k * 2 ** -40 * e[t]));
  out.clustered = mix(mix(blockDiag(blocks, q), n, rng), n, rng);
  const r = symRandom(n, mulberry32(4));
  out.graded = r.map((v, t) => 2 ** -Math.floor(Math.floor(t / n) / 10) * v * 2 ** -Math.floor((t % n) / 10));
  rng = mulberry32(5);
  const y = Array.from({ length: n }, () => Array.from({ length: 20 }, () => Math.floor((rng() + 0.5) * 7) - 3));
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < 20; t++) s += y[i][t] * y[j][t];
    g[i * n + j] = s;
  }
  out.rankDeficient = g;
  return Object.fromEntries(Object.entries(out).map(([k, data]) => [k, { rows: n, cols: n, data }]));
}

/** The numpy fixture: reference eigenvalues (ascending) and probe entries per family. */
export function fixture(): { generator: string; families: Record<string, { values: number[]; probe: number[] }> } {
  const file = path.resolve(__dirname, '../../../test/fixtures/spectra/eigen.json');
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}
