/**
 * Mean and spread over seeds of the sweep's rows: for every (scaling, eta multiplier, lambda) of one width, a
 * 'mean' row and a 'std' row (sample standard deviation, n - 1 divisor; NaN for a single seed) of each measured
 * column. Rows are matched by position: every seed walks the same (scaling, eta, lambda) grid in the same order.
 */
import { ShapeError } from '../errors';
import type { OneStepSweepRow } from '../arrow/kinds/one-step-sweep';

type Metric = Exclude<
  { [K in keyof OneStepSweepRow]-?: OneStepSweepRow[K] extends number | undefined ? K : never }[keyof OneStepSweepRow],
  'eta' | 'seed' | 'n' | 'd' | 'width' | 'lambda' | 'nSeeds' | 'etaFactor'
>;

/** The columns that are averaged. */
export const SUMMARISED: readonly Metric[] = [
  'alignment', 'spikeNorm', 'bulkNorm', 'riskInitial', 'riskTrained', 'alignmentW1', 'spikeResidual', 'etaBbp',
  'weightChange', 'riskLinear', 'riskNull', 'riskLowerBound', 'riskGaussianEquivalent',
];

/** For rows of S seeds at one point (same scaling, eta, lambda, width), the 'mean' and 'std' rows. */
export function summariseSeeds(rows: readonly OneStepSweepRow[]): [OneStepSweepRow, OneStepSweepRow] {
  if (rows.length === 0) throw new ShapeError('summariseSeeds: no rows');
  const first = rows[0];
  for (const r of rows) {
    if (r.scaling !== first.scaling || r.eta !== first.eta || r.lambda !== first.lambda || r.width !== first.width) {
      throw new ShapeError(`summariseSeeds: rows of different points (${r.scaling} eta ${r.eta} lambda ${r.lambda} N ${r.width} vs ${first.scaling} eta ${first.eta} lambda ${first.lambda} N ${first.width})`);
    }
  }
  const s = rows.length;
  const mean: OneStepSweepRow = { ...first, statistic: 'mean', nSeeds: s };
  const std: OneStepSweepRow = { ...first, statistic: 'std', nSeeds: s };
  for (const key of SUMMARISED) {
    const values = rows.map((r) => r[key] ?? NaN);
    const m = values.reduce((acc, v) => acc + v, 0) / s;
    const v = s > 1 ? values.reduce((acc, x) => acc + (x - m) * (x - m), 0) / (s - 1) : NaN;
    mean[key] = m;
    std[key] = Math.sqrt(v);
  }
  return [mean, std];
}
