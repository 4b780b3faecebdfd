/**
 * The parameters a sweep widget exposes as controls (eta range, lambda, width, seeds) and in the notebook
 * API, their checks, and the one-step options they make. Trait names are the front end's (snake_case).
 */
import type { OneStepOptions } from '../feature-learning/options';
import type { LearningRateScaling } from '../feature-learning/step';
import { InvalidOptionError } from '../errors';
import type { WidgetState } from '../kernel/widgets/buffer-paths';

/** What the controls change; the kernel recomputes when any of them does. */
export interface SweepParams {
  /** Learning-rate multipliers from etaMin to etaMax in etaPoints steps (eta = multiplier * N^alpha of the scaling). */
  etaMin: number;
  etaMax: number;
  etaPoints: number;
  /** Ridge penalty of the second layer (penalty (lambda / N)||a||^2). */
  lambda: number;
  /** Width N. */
  width: number;
  /** Number of seeds (0 .. seeds - 1), whose spread the bands show. */
  seeds: number;
}

/** Trait name of each parameter. */
export const PARAM_TRAITS: Readonly<Record<keyof SweepParams, string>> = {
  etaMin: 'eta_min',
  etaMax: 'eta_max',
  etaPoints: 'eta_points',
  lambda: 'lambda',
  width: 'width',
  seeds: 'seeds',
};

/** Defaults: a quick sweep (about a second here). */
export const DEFAULT_PARAMS: SweepParams = { etaMin: 0, etaMax: 4, etaPoints: 9, lambda: 1e-3, width: 256, seeds: 2 };

/** Throws InvalidOptionError naming the parameter that is out of range. */
export function checkParams(p: SweepParams): SweepParams {
  const fail = (name: string, need: string, v: number): never => {
    throw new InvalidOptionError(`sweep widget: ${name} must be ${need}, got ${v}`);
  };
  if (!(Number.isFinite(p.etaMin) && p.etaMin >= 0)) fail('etaMin', 'a finite number >= 0', p.etaMin);
  if (!(Number.isFinite(p.etaMax) && p.etaMax >= p.etaMin)) fail('etaMax', `a finite number >= etaMin (${p.etaMin})`, p.etaMax);
  if (!(Number.isInteger(p.etaPoints) && p.etaPoints >= 1 && p.etaPoints <= 256)) fail('etaPoints', 'an integer in 1..256', p.etaPoints);
  if (!(Number.isFinite(p.lambda) && p.lambda > 0)) fail('lambda', 'a finite number > 0', p.lambda);
  if (!(Number.isInteger(p.width) && p.width >= 1)) fail('width', 'an integer >= 1', p.width);
  if (!(Number.isInteger(p.seeds) && p.seeds >= 1 && p.seeds <= 64)) fail('seeds', 'an integer in 1..64', p.seeds);
  return p;
}

/** The eta multipliers: etaPoints evenly spaced values from etaMin to etaMax. */
export function etaGrid(p: SweepParams): number[] {
  if (p.etaPoints === 1) return [p.etaMin];
  return Array.from({ length: p.etaPoints }, (_, i) => Number((p.etaMin + ((p.etaMax - p.etaMin) * i) / (p.etaPoints - 1)).toPrecision(12)));
}

/** The parameters as traits. */
export function paramTraits(p: SweepParams): WidgetState {
  const out: WidgetState = {};
  for (const [k, t] of Object.entries(PARAM_TRAITS)) out[t] = p[k as keyof SweepParams];
  return out;
}

/** The parameters read back from traits (missing ones from `fallback`). */
export function paramsFromTraits(state: Readonly<WidgetState>, fallback: SweepParams): SweepParams {
  const out = { ...fallback };
  for (const [k, t] of Object.entries(PARAM_TRAITS)) {
    const v = state[t];
    if (typeof v === 'number') out[k as keyof SweepParams] = v;
  }
  return out;
}

/** What stays fixed: the experiment besides the controls (see OneStepOptions). */
export type SweepFixed = Omit<OneStepOptions, 'N' | 'etas' | 'lambdas' | 'seeds'>;

/** The one-step options of `p` on top of `fixed` (both learning-rate scalings unless fixed says otherwise). */
export function oneStepOptions(p: SweepParams, fixed: SweepFixed): OneStepOptions {
  const scalings: readonly LearningRateScaling[] = fixed.scalings ?? ['small', 'large'];
  return { gaussianEquivalent: false, ...fixed, scalings, N: p.width, etas: etaGrid(p), lambdas: p.lambda, seeds: p.seeds };
}

/** Rows the sweep writes: one per (seed, scaling, eta), plus mean and std rows per (scaling, eta) with 2+ seeds. */
export function expectedSweepRows(p: SweepParams, scalings: number): number {
  const points = scalings * etaGrid(p).length;
  return points * p.seeds + (p.seeds > 1 ? 2 * points : 0);
}
