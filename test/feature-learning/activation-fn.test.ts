/** The features' activations: erf takes the table route (src/special/fast-erf), the others the engine's functions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureFunction } from '../../src/feature-learning/activation-fn';
import { fastErf } from '../../src/special/fast-erf';

test('featureFunction: erf gets the fast route, other activations the engine functions', () => {
  assert.equal(featureFunction('erf'), fastErf);
  assert.equal(featureFunction('tanh')(0.7), Math.tanh(0.7));
});
