/** matmul / gram against numpy fixtures and a naive float64 reference, through both implementations. */
import { it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ShapeError } from '../../src/errors';
import { gram, gramAsync, matmul, matmulAsync, matrix } from '../../src/linalg';
import { fixtures, forEachImpl, maxAbs, maxDiff, randomMatrix, refMatmul, toF32 } from './helpers';

forEachImpl('products', () => {
  const fx = fixtures().products;
  const a = matrix(fx.a.rows, fx.a.cols, Float64Array.from(fx.a.data));
  const b = matrix(fx.b.rows, fx.b.cols, Float64Array.from(fx.b.data));
  const bt = matrix(fx.bt.rows, fx.bt.cols, Float64Array.from(fx.bt.data));

  it('float64 GEMM matches numpy to 1e-12 (plain, transB, transA)', () => {
    const cases: [Float64Array, number[]][] = [
      [matmul(a, b).data, fx.ab64],
      [matmul(a, bt, { transB: true }).data, fx.abt64],
      [matmul(a, a, { transA: true }).data, fx.ata64],
    ];
    for (const [got, want] of cases) assert.ok(maxDiff(got, want) <= 1e-12 * maxAbs(want), `err ${maxDiff(got, want)}`);
  });

  it('float32 GEMM and Gram match numpy sgemm to 1e-5, and stay float32', () => {
    const c = matmul(toF32(a), toF32(b));
    assert.ok(c.data instanceof Float32Array);
    assert.ok(maxDiff(c.data, fx.ab32) <= 1e-5 * maxAbs(fx.ab32));
    const g = gram(toF32(a));
    assert.ok(g.data instanceof Float32Array);
    assert.equal(g.rows, 33);
    assert.ok(maxDiff(g.data, fx.aat32) <= 1e-5 * maxAbs(fx.aat32));
  });

  it('float64 Gram (both orientations, alpha) matches numpy and is exactly symmetric', () => {
    const g = gram(a, { trans: true, alpha: 0.5 });
    assert.deepEqual([g.rows, g.cols], [21, 21]);
    assert.ok(maxDiff(g.data, fx.ata64.map((x) => 0.5 * x)) <= 1e-12 * maxAbs(fx.ata64));
    const h = gram(a);
    for (let i = 0; i < 33; i++) for (let j = 0; j < i; j++) assert.equal(h.data[i * 33 + j], h.data[j * 33 + i]);
    assert.ok(maxDiff(h.data, refMatmul(a, a, false, true)) <= 1e-12 * maxAbs(h.data));
  });

  it('all transpose combinations and odd shapes match the naive reference', () => {
    let seed = 1;
    for (const [m, n, k] of [[1, 1, 1], [1, 7, 3], [5, 1, 9], [13, 11, 1], [67, 45, 130], [2, 3, 4]]) {
      for (const transA of [false, true]) for (const transB of [false, true]) {
        const x = transA ? randomMatrix(k, m, seed++) : randomMatrix(m, k, seed++);
        const y = transB ? randomMatrix(n, k, seed++) : randomMatrix(k, n, seed++);
        const c = matmul(x, y, { transA, transB, alpha: -1.5 });
        assert.deepEqual([c.rows, c.cols], [m, n]);
        const want = refMatmul(x, y, transA, transB, -1.5);
        assert.ok(maxDiff(c.data, want) <= 1e-12 * Math.max(1, maxAbs(want)), `${m}x${n}x${k} ${transA} ${transB}`);
        const c32 = matmul(toF32(x), toF32(y), { transA, transB, alpha: -1.5 });
        assert.ok(maxDiff(c32.data, want) <= 1e-5 * Math.max(1, maxAbs(want)));
      }
    }
  });

  it('async variants give the same result as sync', async () => {
    const x = toF32(randomMatrix(150, 120, 7));
    const y = toF32(randomMatrix(120, 140, 8));
    const [c1, c2] = [matmul(x, y), await matmulAsync(x, y)];
    assert.ok(maxDiff(c1.data, c2.data) <= 1e-6 * maxAbs(c1.data));
    const g1 = gram(x, { trans: true });
    const g2 = await gramAsync(x, { trans: true });
    assert.ok(g2.data instanceof Float32Array);
    assert.ok(maxDiff(g1.data, g2.data) <= 1e-6 * maxAbs(g1.data));
  });

  it('empty dimensions give empty or zero results', () => {
    assert.deepEqual(matmul(matrix(0, 3, new Float64Array(0)), matrix(3, 2, new Float64Array(6))).data.length, 0);
    const z = matmul(matrix(2, 0, new Float32Array(0)), matrix(0, 2, new Float32Array(0)));
    assert.deepEqual(Array.from(z.data), [0, 0, 0, 0]);
    assert.deepEqual(gram(matrix(0, 5, new Float64Array(0))).data.length, 0);
  });
});

forEachImpl('products into a caller buffer (opts.out)', () => {
  it('reuses the buffer, overwrites stale values, and validates it', async () => {
    const x = toF32(randomMatrix(64, 96, 21));
    const y = toF32(randomMatrix(96, 80, 22));
    const out = matrix(64, 80, new Float32Array(64 * 80).fill(7));
    const c = matmul(x, y, { out });
    assert.equal(c.data, out.data);
    assert.ok(maxDiff(c.data, refMatmul(x, y)) <= 1e-5 * maxAbs(c.data));
    out.data.fill(7);
    const c2 = await matmulAsync(x, y, { out });
    assert.equal(c2.data, out.data);
    assert.ok(maxDiff(c2.data, refMatmul(x, y)) <= 1e-5 * maxAbs(c2.data));
    const g = matrix(96, 96, new Float32Array(96 * 96).fill(-1));
    assert.equal(gram(x, { trans: true, out: g }).data, g.data);
    assert.ok(maxDiff(g.data, refMatmul(x, x, true, false)) <= 1e-5 * maxAbs(g.data));
    g.data.fill(-1);
    assert.equal((await gramAsync(x, { trans: true, out: g })).data, g.data);
    assert.ok(maxDiff(g.data, refMatmul(x, x, true, false)) <= 1e-5 * maxAbs(g.data));
    // k = 0: the product is all zeros, whatever the buffer held.
    const z = matrix(2, 2, new Float64Array([1, 2, 3, 4]));
    assert.deepEqual(Array.from(matmul(matrix(2, 0, new Float64Array(0)), matrix(0, 2, new Float64Array(0)), { out: z }).data), [0, 0, 0, 0]);
    assert.throws(() => matmul(x, y, { out: matrix(64, 79, new Float32Array(64 * 79)) }), ShapeError);
    assert.throws(() => matmul(x, y, { out: matrix(64, 80, new Float64Array(64 * 80)) }), ShapeError);
    assert.throws(() => matmul(x, matrix(96, 64, x.data.subarray(0, 96 * 64)), { out: matrix(64, 64, x.data.subarray(0, 64 * 64)) }), ShapeError);
    await assert.rejects(gramAsync(x, { out: matrix(3, 3, new Float32Array(9)) }), ShapeError);
  });
});
