/**
 * wasm's BatchMatMul on OpenBLAS (src/backend/wasm-kernels/batch-matmul.ts): tf.matMul on the wasm backend against
 * a float64 product written here and against wasm's own kernel (XNNPACK: the fallback linalg route runs it), over
 * transposes, batch broadcasting (one side of batch 1, a rank-2 side), rank 4, empty shapes; int32 and mismatched
 * shapes take wasm's own kernel (same answer, same error); the gradient of a product; installed once; no leaks.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's gradients (as it does for any ntk-lab user).
import '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/backend';
import { registerWasmBlasKernels } from '../../src/backend/wasm-kernels';
import { addonAvailable, selectImplementation } from '../../src/linalg/backend';
import { Rng } from '../../src/random';
import { maxRelative } from '../helpers/finite-differences';

const skip = !addonAvailable() && process.env.NTK_LINALG !== 'native' ? 'addon not built (npm run build:native)' : false;
const rng = new Rng(23);

function randn(shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

/** float64 op(a) op(b) with numpy batch broadcasting of the leading dimensions (the definition, loop by loop). */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): { data: Float64Array; shape: number[] } {
  const A = a.dataSync();
  const B = b.dataSync();
  const ra = a.rank;
  const rb = b.rank;
  const [m, k] = ta ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const n = tb ? b.shape[rb - 2] : b.shape[rb - 1];
  const oa = a.shape.slice(0, -2);
  const ob = b.shape.slice(0, -2);
  const rank = Math.max(oa.length, ob.length);
  const pad = (s: number[]): number[] => [...Array(rank - s.length).fill(1), ...s];
  const pa = pad(oa);
  const pb = pad(ob);
  const outer = pa.map((d, i) => Math.max(d, pb[i]));
  const batch = outer.reduce((x, y) => x * y, 1);
  const out = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    // The batch index t in outer's digits, clamped to each side's dimension (1: broadcast).
    let rest = t;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const digit = rest % outer[d];
      rest = Math.floor(rest / outer[d]);
      ia += (pa[d] === 1 ? 0 : digit) * sa;
      ib += (pb[d] === 1 ? 0 : digit) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) {
          const av = A[ia * m * k + (ta ? q * m + i : i * k + q)];
          const bv = B[ib * k * n + (tb ? j * k + q : q * n + j)];
          s += av * bv;
        }
        out[(t * m + i) * n + j] = s;
      }
  }
  return { data: out, shape: [...outer, m, n] };
}

/** tf.matMul's values on the current linalg route (openblas: ntk-lab's kernel; fallback: wasm's own). */
function product(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean, route: 'openblas' | 'fallback'): { data: Float32Array; shape: number[] } {
  selectImplementation(route);
  try {
    const t = tf.matMul(a, b, ta, tb);
    try {
      return { data: t.dataSync() as Float32Array, shape: t.shape };
    } finally {
      t.dispose();
    }
  } finally {
    selectImplementation(undefined);
  }
}

describe('BatchMatMul on wasm through OpenBLAS', { skip }, () => {
  before(async () => {
    await useBackend('wasm');
  });

  it('is installed when wasm is activated, once', () => {
    assert.ok(tf.getKernel('BatchMatMul', 'wasm'));
    assert.equal(registerWasmBlasKernels(), false, 'a second call wraps nothing');
  });

  const cases: { name: string; a: number[]; b: number[] }[] = [
    { name: "attention's per-row products", a: [197, 16, 32], b: [197, 32, 32] },
    { name: 'a batch of 1 against a batch of 4 (broadcast)', a: [1, 5, 7], b: [4, 7, 3] },
    { name: 'a batch against a rank-2 matrix', a: [6, 5, 7], b: [7, 3] },
    { name: 'rank 4 with equal batch dimensions', a: [2, 3, 5, 7], b: [2, 3, 7, 4] },
    { name: 'one large product', a: [300, 200], b: [200, 150] },
  ];
  for (const c of cases) {
    it(`${c.name}: every transpose, == float64 (1e-5) and == wasm's own kernel (1e-5)`, () => {
      const start = tf.memory().numTensors;
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          const sa = ta ? [...c.a.slice(0, -2), c.a[c.a.length - 1], c.a[c.a.length - 2]] : c.a;
          const sb = tb ? [...c.b.slice(0, -2), c.b[c.b.length - 1], c.b[c.b.length - 2]] : c.b;
          const a = randn(sa);
          const b = randn(sb);
          try {
            const ref = reference(a, b, ta, tb);
            const ours = product(a, b, ta, tb, 'openblas');
            const wasm = product(a, b, ta, tb, 'fallback');
            assert.deepEqual(ours.shape, ref.shape);
            assert.deepEqual(wasm.shape, ref.shape);
            assert.ok(maxRelative(ours.data, ref.data) < 1e-5, `transposes ${ta}/${tb}: ${maxRelative(ours.data, ref.data)} vs float64`);
            assert.ok(maxRelative(ours.data, wasm.data) < 1e-5, `transposes ${ta}/${tb}: ${maxRelative(ours.data, wasm.data)} vs wasm`);
          } finally {
            tf.dispose([a, b]);
          }
        }
      assert.equal(tf.memory().numTensors, start);
    });
  }

  it('empty shapes give empty or zero results as wasm does', () => {
    for (const [sa, sb] of [[[3, 0, 4], [3, 4, 2]], [[2, 3, 0], [2, 0, 5]]]) {
      const a = tf.zeros(sa);
      const b = tf.ones(sb);
      try {
        const ours = product(a, b, false, false, 'openblas');
        const wasm = product(a, b, false, false, 'fallback');
        assert.deepEqual(ours.shape, wasm.shape);
        assert.deepEqual(Array.from(ours.data), Array.from(wasm.data));
      } finally {
        tf.dispose([a, b]);
      }
    }
  });

  it("int32 products and mismatched shapes take wasm's own kernel: its error", () => {
    const a = tf.tensor([[1, 2], [3, 4]], [2, 2], 'int32');
    const b = tf.tensor([[5, 6], [7, 8]], [2, 2], 'int32');
    const x = randn([2, 3]);
    const y = randn([4, 2]);
    try {
      // tfjs-backend-wasm 4.22 has no int32 products; the message is its own.
      assert.throws(() => tf.matMul(a, b), /non-float32 tensors not yet supported/);
      assert.throws(() => tf.matMul(x, y), /inner shapes|must match/);
    } finally {
      tf.dispose([a, b, x, y]);
    }
  });

  it('the gradient of sum(A B) by A is 1 B^T (its products run on this kernel too)', () => {
    const a = randn([3, 4, 5]);
    const b = randn([3, 5, 2]);
    try {
      const [ga] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q)))([a, b]);
      const B = b.dataSync();
      const want = new Float64Array(3 * 4 * 5);
      for (let t = 0; t < 3; t++) for (let i = 0; i < 4; i++) for (let q = 0; q < 5; q++) want[(t * 4 + i) * 5 + q] = B[(t * 5 + q) * 2] + B[(t * 5 + q) * 2 + 1];
      assert.ok(maxRelative(ga.dataSync(), want) < 1e-6);
      ga.dispose();
    } finally {
      tf.dispose([a, b]);
    }
  });
});
