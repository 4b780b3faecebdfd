/** Shared helpers of the feature-learning tests: run a sweep to completion and pick its rows. */
import type { OneStepSweepRow } from '../../src/arrow/kinds/one-step-sweep';
import { oneStepSweep, type OneStepOptions } from '../../src/feature-learning';

/** Every row of a sweep ('value' rows of each seed, then 'mean' / 'std' rows), in emission order. */
export async function collectSweep(options: OneStepOptions): Promise<OneStepSweepRow[]> {
  const rows: OneStepSweepRow[] = [];
  for await (const group of oneStepSweep(options)) rows.push(...group);
  return rows;
}

/** The per-seed rows of one (scaling label, eta multiplier), in seed order. */
export function perSeed(rows: readonly OneStepSweepRow[], scaling: string, etaFactor: number): OneStepSweepRow[] {
  return rows.filter((r) => r.statistic === 'value' && r.scaling === scaling && r.etaFactor === etaFactor);
}

/** The 'mean' or 'std' row of one (scaling label, eta multiplier). */
export function summary(rows: readonly OneStepSweepRow[], scaling: string, etaFactor: number, statistic: 'mean' | 'std'): OneStepSweepRow {
  const r = rows.find((x) => x.statistic === statistic && x.scaling === scaling && x.etaFactor === etaFactor);
  if (!r) throw new Error(`no ${statistic} row for ${scaling} eta ${etaFactor}`);
  return r;
}

/** Mean of a list. */
export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** 'x.xxxx' for diagnostics. */
export function fmt(values: readonly number[], digits = 4): string {
  return values.map((v) => v.toFixed(digits)).join(', ');
}
