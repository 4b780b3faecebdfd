/** Acceptance 1 of NTK part 1: the explicit NTK against central finite differences of the network in float64. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIVATIONS, activation, mlp } from '../../src/models';
import { ntk, ntkLayerwise } from '../../src/ntk';
import { contractFull, fdJacobians, fromFull, relFrobenius } from '../helpers/finite-differences';
import { gaussianRows, setupBackend } from '../helpers/setup';

before(setupBackend);

describe('explicit NTK vs finite differences (float64)', () => {
  let seed = 10;
  for (const act of ACTIVATIONS) {
    for (const k of [1, 2]) {
      for (const bias of [true, false]) {
        const parameterization = seed % 2 === 0 ? 'ntk' : 'standard';
        const s = seed++;
        test(`${act}, k = ${k}, bias = ${bias}, ${parameterization}`, async () => {
          const widths = [3 + (s % 3), 4];
          const net = mlp({ inputDim: 3, widths, outputDim: k, activation: act, bias, parameterization, weightStd: 1.3, biasStd: 0.4, seed: s });
          try {
            const x1 = gaussianRows(5, 3, s);
            const x2 = gaussianRows(4, 3, s + 100);
            const fdNet = { layers: net.layers, weights: net.getWeights(), act: activation };
            const j1 = fdJacobians(fdNet, x1);
            const j2 = fdJacobians(fdNet, x2);
            const all = j1.map((_, t) => t);
            const fullRef = contractFull(j1, j2, all, k);
            const full = await ntk(net, x1, x2, { outputs: 'full' });
            assert.deepEqual(full.shape, [5 * k, 4 * k]);
            assert.ok(relFrobenius(full.values, fullRef) <= 1e-3, `full: ${relFrobenius(full.values, fullRef)}`);
            for (const layout of ['trace', 'diagonal'] as const) {
              const K = await ntk(net, x1, x2, { outputs: layout });
              const err = relFrobenius(K.values, fromFull(fullRef, 5, 4, k, layout));
              assert.ok(err <= 1e-3, `${layout}: ${err}`);
            }
            // Symmetric kernel (x2 omitted) and each parameter tensor's component.
            const fullSym = contractFull(j1, j1, all, k);
            const lw = await ntkLayerwise(net, x1, undefined, { outputs: 'full' });
            assert.ok(relFrobenius(lw.ntk.values, fullSym) <= 1e-3);
            assert.deepEqual(lw.components.map((c) => c.label), net.paramLabels);
            lw.components.forEach((c, t) => {
              const ref = contractFull(j1, j1, [t], k);
              const norm = Math.sqrt(ref.reduce((a, v) => a + v * v, 0));
              // A component can be exactly zero (e.g. relu units all off); compare absolutely then.
              if (norm > 1e-8) assert.ok(relFrobenius(c.values, ref) <= 1e-3, `${c.label}: ${relFrobenius(c.values, ref)}`);
              else assert.ok(Math.max(...c.values.map(Math.abs)) <= 1e-6, c.label);
            });
          } finally {
            net.dispose();
          }
        });
      }
    }
  }
});
