/** method: 'auto' picks by an analytic cost model and says what it picked; 'vp' is a product, not a kernel method. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidOptionError } from '../../src/errors';
import { mlp } from '../../src/models';
import { chooseNtkMethod, ntk } from '../../src/ntk';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

test('auto: explicit for an MLP, with both costs from shapes and the reason', () => {
  const net = mlp({ inputDim: 784, widths: [512, 512, 512], seed: 0 });
  try {
    const choice = chooseNtkMethod(net, 1000, undefined);
    assert.equal(choice.method, 'explicit');
    assert.match(choice.reason, /^MLP: explicit .* GFLOP .* vs jacobian/);
    const { explicit, jacobian } = choice.costs;
    assert.ok(explicit && jacobian);
    // Passes 2 n sum d_{l-1} d_l (x2 past the first layer) = 2.9 GFLOP; SYRKs n^2 sum (d_{l-1} + d_l) = 3.86 GFLOP.
    assert.ok(explicit.flops > 6.5e9 && explicit.flops < 7e9, `${explicit.flops}`);
    assert.ok(explicit.seconds <= jacobian.seconds);
    assert.equal(chooseNtkMethod(net, 10, 10, { method: 'jacobian' }).method, 'jacobian');
  } finally {
    net.dispose();
  }
});

test('auto: jacobian for a CNN and for frozen layers; the kernel says what was picked', async () => {
  const cnn = tfl.sequential({ layers: [tfl.layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [4, 1] }), tfl.layers.flatten(), tfl.layers.dense({ units: 1 })] });
  const frozen = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2], trainable: false }), tfl.layers.dense({ units: 1 })] });
  const net = mlp({ inputDim: 2, widths: [3], seed: 1 });
  try {
    assert.match(chooseNtkMethod(cnn, 5, undefined).reason, /not an MLP/);
    assert.equal(chooseNtkMethod(frozen, 5, undefined).method, 'jacobian');
    const K = await ntk(cnn, gaussianRows(5, 4, 1));
    assert.match(K.backend, /\(jacobian, auto: not an MLP/);
    const E = await ntk(net, gaussianRows(3, 2, 1));
    assert.match(E.backend, /\(explicit, auto: MLP/);
  } finally {
    net.dispose();
    cnn.dispose();
    frozen.dispose();
  }
});

test("method 'vp' in ntk() is refused with a pointer to ntkVp", async () => {
  const net = mlp({ inputDim: 2, widths: [3], seed: 1 });
  try {
    await assert.rejects(ntk(net, gaussianRows(3, 2, 1), undefined, { method: 'vp' }), (e: unknown) => e instanceof InvalidOptionError && /ntkVp\(model, x, v\)/.test(e.message));
  } finally {
    net.dispose();
  }
});
