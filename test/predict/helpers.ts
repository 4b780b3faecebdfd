/**
 * Shared helpers of the predict tests: both linalg implementations, error measures, seeded kernels, and the
 * numpy fixtures of test/fixtures/predict (made by test/fixtures/make_predict_fixtures.py; no Python needed here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe } from 'node:test';
import { addonAvailable, selectImplementation, type Implementation } from '../../src/linalg/backend';
import type { Matrix } from '../../src/linalg';
import { Rng } from '../../src/random';

/** Runs `body` once per linalg implementation (the addon's suite is skipped when it is not built). */
export function forEachImpl(title: string, body: (impl: Implementation) => void): void {
  for (const impl of ['openblas', 'fallback'] as const) {
    const skip = impl === 'openblas' && (process.env.NTK_LINALG === 'fallback' || !addonAvailable()) ? 'addon not in use' : false;
    describe(`${title} [${impl}]`, { skip }, () => {
      before(() => selectImplementation(impl));
      after(() => selectImplementation(undefined));
      body(impl);
    });
  }
}

/** max |a - b| / max(1, max |b|): absolute for O(1) values, relative for large ones. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Train-train (n x n) and test-train (m x n) blocks of the Gram matrix F F^T / p of p seeded normal features. */
export function gramPair(n: number, m: number, p: number, seed: number): { K: Matrix<Float64Array>; Ktd: Matrix<Float64Array> } {
  const f = new Rng(seed).normals64((n + m) * p);
  const dot = (i: number, j: number): number => {
    let s = 0;
    for (let c = 0; c < p; c++) s += f[i * p + c] * f[j * p + c];
    return s / p;
  };
  const K = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) K[i * n + j] = K[j * n + i] = dot(i, j);
  const Ktd = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Ktd[i * n + j] = dot(n + i, j);
  return { K: { rows: n, cols: n, data: K }, Ktd: { rows: m, cols: n, data: Ktd } };
}

/** A seeded n x k matrix of standard normals. */
export function normals(rows: number, cols: number, seed: number): Matrix<Float64Array> {
  return { rows, cols, data: new Rng(seed).normals64(rows * cols) };
}

export interface Fixture {
  name: string;
  layout: 'trace' | 'full' | 'diagonal';
  n: number;
  m: number;
  k: number;
  asKernel: boolean;
  Ktrain: { shape: number[]; data: number[] };
  KtestTrain: { shape: number[]; data: number[] };
  ytrain: number[];
  fxTrain0: number[] | null;
  fxTest0: number[] | null;
  ridge: { lambda: number; lambdaScale: 'absolute' | 'trace'; test: number[] }[];
  gd: {
    lr: number;
    lossNormalization: 'mean' | 'per-example' | 'sum';
    diagReg: number;
    diagRegScale: 'absolute' | 'trace';
    times: (number | 'Infinity')[];
    train: number[][];
    test: number[][];
  }[];
}

/** The fixtures, read from the source tree (they are data, not compiled into build/). */
export function loadFixtures(): Fixture[] {
  const dir = path.resolve(__dirname, '../../../test/fixtures/predict');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Fixture);
}
