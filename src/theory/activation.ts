/**
 * The activations theory integrates: the engine's (by name) or a user's, as float64 functions with the
 * points where they are not smooth (so quadrature can split there).
 */
import { InvalidOptionError } from '../errors';
import { activation, ActivationName } from '../models/activations';

/** A scalar activation phi with its derivative, and its kinks (where phi or phi' jumps). */
export interface ActivationSpec {
  /** Name, for provenance ('relu', 'tanh', 'custom', ...). */
  name: string;
  /** phi(z) in float64. */
  f(z: number): number;
  /** phi'(z) in float64. */
  df(z: number): number;
  /** Points where phi or phi' is not smooth (default none). */
  kinks?: readonly number[];
}

/** Kinks of the engine's activations: relu bends at 0 (and its derivative jumps there); the others are smooth. */
const KINKS: Partial<Record<ActivationName, readonly number[]>> = { relu: [0] };

/** The spec of an engine activation (by name) or a user's spec, checked. */
export function activationSpec(act: ActivationName | ActivationSpec): ActivationSpec {
  if (typeof act === 'string') {
    const a = activation(act);
    return { name: a.name, f: a.f, df: a.df, kinks: KINKS[a.name] ?? [] };
  }
  if (typeof act !== 'object' || act === null || typeof act.f !== 'function' || typeof act.df !== 'function') {
    throw new InvalidOptionError('activation must be an engine activation name or {name, f, df, kinks?}');
  }
  return act;
}
