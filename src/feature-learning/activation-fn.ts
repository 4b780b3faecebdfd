/**
 * sigma and sigma' for the feature hot loop (sigma(X W1) on every ridge and test example, for every learning
 * rate): the engine's float64 activations, except erf, which takes the table route of src/special/fast-erf.
 */
import { type ActivationName, activation } from '../models/activations';
import { fastErf } from '../special/fast-erf';

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/** sigma' at z given sigma(z) = fz: tanh and sigmoid reuse the value (one transcendental per entry instead of two). */
export function featureSlope(act: ActivationName): (z: number, fz: number) => number {
  if (act === 'tanh') return (_z, fz) => 1 - fz * fz;
  if (act === 'sigmoid') return (_z, fz) => fz * (1 - fz);
  if (act === 'erf') return (z) => TWO_OVER_SQRT_PI * Math.exp(-z * z);
  const df = activation(act).df;
  return (z) => df(z);
}

/** sigma as a float64 scalar function for elementwise loops (erf: fastErf; others: the engine's). */
export function featureFunction(act: ActivationName): (z: number) => number {
  return act === 'erf' ? fastErf : activation(act).f;
}
