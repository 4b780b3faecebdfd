/**
 * The status line in a widget's header, in the reader's terms: what was computed ("4 kernels of 600 x 600",
 * "600 eigenvalues", "12 of 36 points"), not how many Arrow rows carried it. The state comes from the
 * kernel's `data_status`, the counts from the data the front-end model holds, so a re-opened page whose
 * model is still fetching its batches says so instead of describing a partial figure as the result.
 * Pure: the views and the Node tests call the same functions.
 */
import type { SweepRows } from './builders/sweep';
import type { TrainingData } from './data/training-data';
import type { DataStatus } from './protocol';

/** A widget's state as a whole. */
export type OverallState = 'idle' | 'running' | 'complete' | 'cancelled' | 'failed';

const PRECEDENCE = ['failed', 'running', 'cancelled', 'complete'] as const;

/** The widget's state: failed if any part failed, else running while any stream runs, else ... */
export function overallState(st: DataStatus): OverallState {
  if (st.error) return 'failed';
  const streams = Object.values(st.streams);
  return PRECEDENCE.find((s) => streams.some((x) => x.state === s)) ?? 'idle';
}

/** Rows the kernel will send in all (null when some stream does not say), and rows sent so far. */
export function rowProgress(st: DataStatus): { sent: number; expected: number | null } {
  const streams = Object.values(st.streams);
  const sent = streams.reduce((s, x) => s + x.rows, 0);
  const known = streams.length > 0 && streams.every((x) => x.expected_rows !== null);
  return { sent, expected: known ? streams.reduce((s, x) => s + (x.expected_rows ?? 0), 0) : null };
}

/**
 * Percentage of the kernel's batches this front end holds (decoded or refused), or null when it holds
 * them all. `held`: batches held per stream.
 */
export function loadingPercent(st: DataStatus, held: Readonly<Record<string, number>>): number | null {
  let sent = 0;
  let have = 0;
  for (const [name, s] of Object.entries(st.streams)) {
    sent += s.batches;
    have += Math.min(s.batches, held[name] ?? 0);
  }
  return have < sent ? Math.floor((100 * have) / sent) : null;
}

/** The parts of a line that differ between widgets. */
interface Phrases {
  /** What the data held describes ("600 eigenvalues"). */
  what: string;
  /** While running: progress ("2400 of 8000 eigenvalues"). */
  progress: string;
}

function line(st: DataStatus, held: Readonly<Record<string, number>>, p: Phrases): string {
  const state = overallState(st);
  if (state === 'idle') return 'waiting for data';
  if (state === 'failed') return 'failed';
  if (state === 'running') return `computing… ${p.progress}`;
  const loading = loadingPercent(st, held);
  if (loading !== null) return `loading the data… ${loading}%`;
  return state === 'cancelled' ? `cancelled after ${p.what}` : p.what;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Header line of a spectrum widget. `series`: eigenvalues held per kernel. */
export function spectrumLine(series: readonly { label: string; values: ArrayLike<number> }[], st: DataStatus, held: Readonly<Record<string, number>>): string {
  const total = series.reduce((s, x) => s + x.values.length, 0);
  const sizes = new Set(series.map((x) => x.values.length));
  let what: string;
  if (series.length <= 1) what = plural(total, 'eigenvalue');
  else if (sizes.size === 1) what = `${series.length} kernels × ${plural(series[0].values.length, 'eigenvalue')}`;
  else what = `${series.length} kernels, ${plural(total, 'eigenvalue')}`;
  const expected = st.streams.spectrum?.expected_rows ?? null;
  const progress = `${expected !== null ? `${total} of ${expected}` : total} eigenvalues${series.length > 1 ? ` (${series.length} kernels so far)` : ''}`;
  return line(st, held, { what, progress });
}

/** Header line of a kernel heatmap widget. `kernels`: their shapes as received. */
export function kernelLine(kernels: readonly { rows: number; cols: number }[], st: DataStatus, held: Readonly<Record<string, number>>): string {
  const shapes = new Map<string, number>();
  for (const k of kernels) shapes.set(`${k.rows} x ${k.cols}`, (shapes.get(`${k.rows} x ${k.cols}`) ?? 0) + 1);
  let what: string;
  if (kernels.length === 0) what = 'no kernel';
  else if (shapes.size === 1) what = `${plural(kernels.length, 'kernel')} of ${[...shapes.keys()][0]}`;
  else what = `${kernels.length} kernels: ${[...shapes].map(([s, n]) => (n > 1 ? `${n} of ${s}` : s)).join(', ')}`;
  const tiles = st.streams.tiles;
  const bands = tiles ? `${tiles.rows}${tiles.expected_rows !== null ? ` of ${tiles.expected_rows}` : ''} row bands` : 'row bands';
  return line(st, held, { what, progress: kernels.length ? `${bands} (${what} so far)` : bands });
}

/**
 * Header line of a sweep widget. A point is one (seed, scaling, eta) computation; the η values counted are
 * the multipliers of the grid (eta itself is multiplier x N^alpha, another value per scaling); `seeds` is the seed
 * count the sweep runs with (its trait), which with the stream's expected rows gives the number of points.
 */
export function sweepLine(rows: SweepRows, seeds: number, st: DataStatus, held: Readonly<Record<string, number>>): string {
  const per = rows.statistic.map((s, i) => (s === 'value' ? i : -1)).filter((i) => i >= 0);
  const count = (col: readonly (number | string)[]): number => new Set(per.map((i) => col[i])).size;
  const points = new Set(per.map((i) => `${rows.seed[i]}|${rows.scaling[i]}|${rows.eta[i]}|${rows.width[i]}`)).size;
  const what = points === 0
    ? 'no points'
    : `${plural(points, 'point')}: ${plural(count(rows.scaling), 'scaling')} × ${plural(count(rows.eta_factor), 'η value')} × ${plural(count(rows.seed), 'seed')}`;
  // Rows the sweep writes per point: one per seed, plus a mean and a std row over two or more seeds.
  const expected = st.streams.sweep?.expected_rows ?? null;
  const perPoint = seeds + (seeds > 1 ? 2 : 0);
  const total = expected !== null && seeds >= 1 && expected % perPoint === 0 ? (expected / perPoint) * seeds : null;
  const progress = total !== null ? (points < total ? `${points} of ${total} points` : `${total} points, averaging over seeds`) : plural(points, 'point');
  return line(st, held, { what, progress });
}

/** Header line of a training widget: snapshots received and the latest step. */
export function trainingLine(data: TrainingData, st: DataStatus, held: Readonly<Record<string, number>>): string {
  const n = data.snapshots;
  const what = n === 0 ? 'no snapshots' : `${plural(n, 'snapshot')} of the kernel during training, to step ${data.lastStep}`;
  return line(st, held, { what, progress: n === 0 ? 'training, first snapshot…' : `training: ${plural(n, 'snapshot')}, step ${data.lastStep}` });
}
