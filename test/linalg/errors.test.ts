/**
 * Bad input gives named errors, never a crash: shapes, lengths, NaN, asymmetry, precision, options, and
 * garbage handed straight to the native addon.
 */
import { it, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { InvalidOptionError, NonFiniteError, ShapeError } from '../../src/errors';
import { cholesky, eigh, eighAsync, gram, matmul, matmulAsync, matrix, solvePositiveDefinite, svd } from '../../src/linalg';
import type { Matrix } from '../../src/linalg';
import { addonAvailable } from '../../src/linalg/backend';
import { loadAddon } from '../../src/linalg/native';
import { forEachImpl } from './helpers';

/** Casts for deliberately ill-typed calls (what untyped notebook code can pass). */
const bad = <T>(x: unknown): T => x as T;

forEachImpl('bad input', () => {
  const sq = matrix(3, 3, new Float64Array([2, 1, 0, 1, 2, 1, 0, 1, 2]));

  it('non-square matrices to square-only routines -> ShapeError naming the shape', () => {
    const r = matrix(2, 3, new Float64Array(6));
    assert.throws(() => eigh(r), (e: unknown) => e instanceof ShapeError && /square, got 2 x 3/.test(e.message));
    assert.throws(() => cholesky(r), ShapeError);
    assert.throws(() => solvePositiveDefinite(r, matrix(2, 1, new Float64Array(2))), ShapeError);
  });

  it('wrong lengths and malformed matrices -> ShapeError', () => {
    assert.throws(() => matrix(2, 3, new Float64Array(5)), (e: unknown) => e instanceof ShapeError && /length 5.*needs 6/.test(e.message));
    assert.throws(() => matrix(-1, 3, new Float64Array(0)), ShapeError);
    assert.throws(() => matrix(2, 2, bad<Float64Array>([1, 2, 3, 4])), ShapeError);
    const ragged = bad<Matrix<Float64Array>>({ rows: 2, cols: 2, data: new Float64Array(3) });
    assert.throws(() => matmul(ragged, sq), ShapeError);
    assert.throws(() => gram(bad<Matrix<Float64Array>>(null)), ShapeError);
    assert.throws(() => eigh(bad<Matrix>({ rows: 1.5, cols: 1.5, data: new Float64Array(2) })), ShapeError);
    assert.throws(() => matmul(sq, matrix(2, 2, new Float64Array(4))), (e: unknown) => e instanceof ShapeError && /inner dimensions/.test(e.message));
    assert.throws(() => solvePositiveDefinite(sq, matrix(2, 1, new Float64Array(2))), (e: unknown) => e instanceof ShapeError && /3 rows/.test(e.message));
  });

  it('NaN or Infinity anywhere -> NonFiniteError with its position', () => {
    const nan = matrix(3, 3, Float64Array.from(sq.data, (v, i) => (i === 5 ? NaN : v)));
    const inf = matrix(3, 3, Float32Array.from(sq.data, (v, i) => (i === 7 ? -Infinity : v)));
    assert.throws(() => eigh(nan), (e: unknown) => e instanceof NonFiniteError && /\(1, 2\)/.test(e.message));
    assert.throws(() => eigh(inf), NonFiniteError);
    assert.throws(() => matmul(nan, sq), NonFiniteError);
    assert.throws(() => gram(inf), NonFiniteError);
    assert.throws(() => cholesky(nan), NonFiniteError);
    assert.throws(() => svd(nan), NonFiniteError);
    assert.throws(() => solvePositiveDefinite(sq, matrix(3, 1, new Float64Array([1, NaN, 0]))), NonFiniteError);
  });

  it('eigh finds a lone bad entry anywhere (tail of the scan, far tile)', () => {
    const inf = new Float64Array(25);
    inf[24] = Infinity;
    assert.throws(() => eigh(matrix(5, 5, inf)), (e: unknown) => e instanceof NonFiniteError && /\(4, 4\)/.test(e.message));
    const n = 70;
    const a = new Float64Array(n * n);
    a[69 * n + 3] = 1e-3;
    assert.throws(() => eigh(matrix(n, n, a)), (e: unknown) => e instanceof ShapeError && /a\[69\]\[3\]/.test(e.message));
    a[3 * n + 69] = 1e-3 * (1 + 1e-12); // within tolerance now
    assert.equal(eigh(matrix(n, n, a)).values.length, n);
  });

  it('a non-symmetric matrix to eigh -> ShapeError unless checkSymmetric is false (lower triangle used)', async () => {
    const ns = matrix(3, 3, new Float64Array([2, 5, 0, 1, 2, 1, 0, 1, 2]));
    assert.throws(() => eigh(ns), (e: unknown) => e instanceof ShapeError && /not symmetric/.test(e.message));
    await assert.rejects(eighAsync(ns), ShapeError);
    assert.deepEqual(eigh(ns, { checkSymmetric: false }).values, eigh(sq).values);
  });

  it('mixed or wrong precision -> ShapeError; bad options -> InvalidOptionError', async () => {
    assert.throws(() => matmul(bad<Matrix<Float64Array>>(matrix(3, 3, new Float32Array(9))), sq), (e: unknown) => e instanceof ShapeError && /same precision/.test(e.message));
    assert.throws(() => cholesky(bad<Matrix<Float64Array>>(matrix(3, 3, new Float32Array(9)))), (e: unknown) => e instanceof ShapeError && /float64/.test(e.message));
    assert.throws(() => eigh(sq, { range: { lower: 2, upper: 1 } }), InvalidOptionError);
    assert.throws(() => eigh(sq, { range: { lower: 0, upper: 3 } }), InvalidOptionError);
    assert.throws(() => matmul(sq, sq, { alpha: NaN }), InvalidOptionError);
    assert.throws(() => svd(sq, { k: 4 }), InvalidOptionError);
    await assert.rejects(matmulAsync(sq, matrix(2, 2, new Float64Array(4))), ShapeError);
  });
});

describe('the native addon itself rejects garbage without crashing', { skip: addonAvailable() ? false : 'addon not built' }, () => {
  it('wrong argument counts, types, lengths and sizes throw TypeError', async () => {
    const loaded = loadAddon();
    assert.ok('addon' in loaded);
    const addon = loaded.addon as unknown as Record<string, (...args: unknown[]) => unknown>;
    const f64 = (n: number) => new Float64Array(n);
    const calls: [string, unknown[]][] = [
      ['gemm', []],
      ['gemm', [false, false, 2, 2, 2, 1, f64(4), f64(4), f64(3), false]], // c too short
      ['gemm', [false, false, 2, 2, 2, 1, f64(4), new Float32Array(4), f64(4), false]], // mixed precision
      ['gemm', [false, false, -2, 2, 2, 1, f64(4), f64(4), f64(4), false]],
      ['gemm', [false, false, 2.5, 2, 2, 1, f64(4), f64(4), f64(4), false]],
      ['gemm', [0, false, 2, 2, 2, 1, f64(4), f64(4), f64(4), false]],
      ['gemm', [false, false, 2, 2, 2, 1, [1, 2, 3, 4], f64(4), f64(4), false]],
      ['gemm', [false, false, 2 ** 31, 2, 2, 1, f64(4), f64(4), f64(4), false]],
      ['syrk', [false, 3, 3, 1, new Int32Array(9), f64(9), false]],
      ['syevd', [0, f64(0), f64(0), false, false]],
      ['syevd', [4, f64(15), f64(4), false, false]],
      ['syevr', [4, f64(16), 3, 2, f64(4), null, false]],
      ['syevr', [4, f64(16), 1, 5, f64(5), null, false]],
      ['syevr', [4, f64(16), 1, 2, f64(2), f64(7), false]],
      ['potrf', [3, f64(8), false]],
      ['potrs', [3, 2, f64(9), f64(5), false]],
      ['gesdd', [3, 2, f64(6), f64(2), f64(6), f64(3), false]],
      ['firstNonFinite', [[1, NaN]]],
      ['inspectSymmetric', [f64(3), 2, 0]],
    ];
    for (const [name, args] of calls) {
      assert.throws(() => addon[name](...args), TypeError, `${name}(${args.length} args) should throw`);
    }
    const detached = new Float64Array(4);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    assert.throws(() => addon.gemm(false, false, 2, 2, 1, 1, f64(2), f64(2), detached, false), TypeError);
    assert.equal(addon.firstNonFinite(new Float32Array([1, 2, Infinity])), 2);
    assert.equal(addon.firstNonFinite(new Float64Array(9)), -1);
    // The process is still alive and the addon still works.
    const w = f64(2);
    assert.equal(addon.syevd(2, new Float64Array([2, 0, 0, 1]), w, false, false), 0);
    assert.deepEqual(Array.from(w), [1, 2]);
    // Async: the addon allocates what it writes (the output argument must be null) and resolves to it.
    const r = (await addon.syevd(2, new Float64Array([2, 0, 0, 1]), null, false, true)) as { info: number; outputs: Float64Array[] };
    assert.equal(r.info, 0);
    assert.deepEqual(Array.from(r.outputs[0]), [1, 2]);
  });
});
