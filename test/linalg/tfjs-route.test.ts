/**
 * Routing of float32 products to tfjs's active backend. Here the wasm backend stands in for a GPU one
 * (same code path): without the addon, sync products go to tfjs-wasm; with the addon, or for async
 * calls (wasm would block the event loop), they do not. This process sets the wasm backend for itself.
 */
import { before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { gram, matmul, matmulAsync } from '../../src/linalg';
import { addonAvailable, selectImplementation } from '../../src/linalg/backend';
import { maxAbs, maxDiff, randomMatrix, refMatmul, toF32 } from './helpers';

/** Names of the tfjs kernels run by fn. */
async function kernelsOf(fn: () => unknown): Promise<string[]> {
  const info = await tf.profile(async () => { await fn(); });
  return info.kernelNames;
}

describe('float32 products on the tfjs wasm backend', () => {
  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
  const x = toF32(randomMatrix(120, 90, 31));
  const y = toF32(randomMatrix(90, 110, 32));

  it('fallback + wasm: sync matmul and gram run as tfjs kernels and match the reference', async () => {
    selectImplementation('fallback');
    let c = matmul(x, y);
    assert.ok((await kernelsOf(() => { c = matmul(x, y, { alpha: 2 }); })).includes('BatchMatMul'));
    assert.ok(maxDiff(c.data, refMatmul(x, y, false, false, 2)) <= 1e-5 * maxAbs(c.data));
    let g = gram(x);
    assert.ok((await kernelsOf(() => { g = gram(x, { trans: true }); })).includes('BatchMatMul'));
    assert.ok(maxDiff(g.data, refMatmul(x, x, true, false)) <= 1e-5 * maxAbs(g.data));
    for (let i = 0; i < 90; i++) for (let j = 0; j < i; j++) assert.equal(g.data[i * 90 + j], g.data[j * 90 + i]);
    assert.equal(tf.memory().numTensors, 0, 'no tensors leak');
    // Async calls stay off the main thread: no tfjs kernels.
    assert.deepEqual(await kernelsOf(() => matmulAsync(x, y)), []);
    // float64 never goes to tfjs (float32 only).
    assert.deepEqual(await kernelsOf(() => matmul(randomMatrix(120, 90, 1), randomMatrix(90, 110, 2))), []);
  });

  it('openblas: products stay on the addon even with tfjs-wasm active', { skip: addonAvailable() ? false : 'addon not built' }, async () => {
    selectImplementation('openblas');
    assert.deepEqual(await kernelsOf(() => matmul(x, y)), []);
    selectImplementation(undefined);
  });
});
