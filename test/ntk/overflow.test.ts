/**
 * Numerics at the edges: finite inputs whose kernels overflow float32 (|x| ~ 3e38) raise NonFiniteError naming
 * the first bad entry in the kernel's own indices, on every route (explicit, jacobian, tiles, components, ck,
 * ntkVp); bad matrix sizes (rows 2.5, -1, NaN) are ShapeErrors at the API. The expected index is worked out
 * here from which example overflows (row-major order, symmetric kernel), not read back from the library.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { NonFiniteError, ShapeError } from '../../src/errors';
import { mlp } from '../../src/models';
import { ck, ntk, ntkLayerwise, ntkTiles, ntkVp } from '../../src/ntk';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

/** n inputs of dimension d, all moderate except example `bad`, scaled to 3e38. */
function withHugeRow(n: number, d: number, bad: number): { rows: number; cols: number; data: Float32Array } {
  const data = Float32Array.from(gaussianRows(n, d, 7).flat());
  for (let j = 0; j < d; j++) data[bad * d + j] = j % 2 ? -3e38 : 3e38;
  return { rows: n, cols: d, data };
}

function rejectsNamed(where: RegExp): (e: unknown) => boolean {
  return (e: unknown) => {
    assert.ok(e instanceof NonFiniteError, `expected NonFiniteError, got ${String(e)}`);
    assert.match(e.message, where);
    assert.match(e.message, /overflow float32 for these inputs \(largest \|input\| = 3\.00e\+38\)/);
    return true;
  };
}

test('explicit NTK: the first non-finite entry of a symmetric kernel with example 1 overflowing is [0, 1]', async () => {
  const start = tf.memory().numTensors;
  const net = mlp({ inputDim: 5, widths: [16, 16], seed: 1 });
  await assert.rejects(ntk(net, withHugeRow(4, 5, 1)), rejectsNamed(/^ntk: the computed kernel holds (Infinity|-Infinity|NaN) at \[0, 1\]/));
  // 'full' layout with k = 2: example 1's first row index is 1 * 2 = 2 in the columns.
  const net2 = mlp({ inputDim: 5, widths: [16], outputDim: 2, seed: 2 });
  await assert.rejects(ntk(net2, withHugeRow(4, 5, 1), undefined, { outputs: 'full' }), rejectsNamed(/at \[0, 2\]/));
  await assert.rejects(ntk(net2, withHugeRow(4, 5, 1), undefined, { outputs: 'diagonal' }), rejectsNamed(/at \[0, 1, 0\]/));
  net.dispose();
  net2.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('jacobian route and layerwise components name the overflow too', async () => {
  const start = tf.memory().numTensors;
  const net = mlp({ inputDim: 5, widths: [16], seed: 3 });
  await assert.rejects(ntk(net, withHugeRow(3, 5, 2), undefined, { method: 'jacobian' }), rejectsNamed(/^ntk: .* at \[0, 2\]/));
  await assert.rejects(ntkLayerwise(net, withHugeRow(3, 5, 2)), rejectsNamed(/^ntk.* at \[0, 2\]/));
  net.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('tiles: the index is the whole kernel\'s, not the tile\'s (example 3 of 4, tiles of 2: first bad entry [0, 3])', async () => {
  const start = tf.memory().numTensors;
  const net = mlp({ inputDim: 5, widths: [16], seed: 4 });
  const consume = async (): Promise<void> => {
    for await (const t of ntkTiles(net, withHugeRow(4, 5, 3), undefined, { tile: 2 })) void t;
  };
  await assert.rejects(consume(), rejectsNamed(/at \[0, 3\]/));
  // A cross-kernel: x2's example 1 overflows; rows of x1 are fine, so the first bad entry is [0, 1].
  const x1 = { rows: 2, cols: 5, data: Float32Array.from(gaussianRows(2, 5, 9).flat()) };
  await assert.rejects(ntk(net, x1, withHugeRow(3, 5, 1)), rejectsNamed(/at \[0, 1\]/));
  net.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('ck names the features that overflowed; ntkVp names the result entry', async () => {
  const start = tf.memory().numTensors;
  const net = mlp({ inputDim: 5, widths: [16, 16], seed: 5 });
  await assert.rejects(ck(net, withHugeRow(3, 5, 1)), (e: unknown) => {
    assert.ok(e instanceof NonFiniteError);
    assert.match(e.message, /^ck: layer 2's features of x1 hold (Infinity|-Infinity|NaN) at example 1, unit \d+: /);
    return true;
  });
  await assert.rejects(ntkVp(net, withHugeRow(3, 5, 1), [1, 1, 1]), rejectsNamed(/^ntkVp: the result holds .* at index \d \(example \d, output 0\)/));
  net.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('matrix sizes that are not non-negative integers are ShapeErrors naming the field', async () => {
  const net = mlp({ inputDim: 3, widths: [8], seed: 6 });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ rows: 2.5, cols: 3, data: new Float32Array(9) }, /^x1\.rows must be a non-negative integer, got 2\.5$/],
    [{ rows: -1, cols: 3, data: new Float32Array(3) }, /^x1\.rows must be a non-negative integer, got -1$/],
    [{ rows: NaN, cols: 3, data: new Float32Array(3) }, /^x1\.rows must be a non-negative integer, got NaN$/],
    [{ rows: 1, cols: '3', data: new Float32Array(3) }, /^x1\.cols must be a non-negative integer, got string$/],
    [{ rows: 1, cols: 3, data: 'abc' }, /^x1\.data must be a Float32Array, Float64Array or number\[\], got String$/],
  ];
  for (const [x, message] of cases) {
    await assert.rejects(ntk(net, x as never), (e: unknown) => e instanceof ShapeError && message.test(e.message));
    await assert.rejects(ck(net, x as never), (e: unknown) => e instanceof ShapeError && message.test(e.message));
  }
  // A finite, moderate input still computes (the checks cost nothing on the happy path's result).
  const K = await ntk(net, { rows: 2, cols: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) });
  assert.ok(K.values.every(Number.isFinite));
  net.dispose();
});
