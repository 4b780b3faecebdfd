/**
 * The TrainingWidget's figure, two panels sharing the step (or epoch) axis: on top the loss on the training set
 * (solid) and on the probe (dotted); below, the chosen group of kernel measures: how far the kernel moved
 * ('kernel': distance from initialisation, relative change, velocity per step), its alignment with the
 * targets ('alignment': plain, centred, and each top eigenvector's), each component's relative change
 * ('layers') or trace share ('shares'), the top eigenvalues ('spectrum'), or the accuracy.
 */
import type { TrainingData, TrainingSeries } from '../data/training-data';
import { colour, Figure, Line, Trace } from './types';

/** The groups the lower panel can show. */
export const TRAINING_PANELS = ['kernel', 'alignment', 'layers', 'shares', 'spectrum', 'accuracy'] as const;

/** A group of the lower panel. */
export type TrainingPanel = (typeof TRAINING_PANELS)[number];

/** Controls of the figure. */
export interface TrainingSettings {
  x: 'step' | 'epoch';
  panel: TrainingPanel;
  /** Log scale for the lower panel (values <= 0 are then left out: the distance is 0 at step 0). */
  logY: boolean;
  title?: string;
}

const PANEL: Record<TrainingPanel, { metrics: { metric: string; name: (label: string) => string; line?: Line }[]; y: string }> = {
  kernel: {
    metrics: [
      { metric: 'kernel_distance', name: () => 'distance 1 - cos(K₀, Kₜ)' },
      { metric: 'kernel_change', name: () => '|Kₜ - K₀| / |K₀|', line: { dash: 'dash' } },
      { metric: 'kernel_velocity', name: () => 'velocity (distance per step)', line: { dash: 'dot' } },
    ],
    y: 'kernel movement',
  },
  alignment: {
    metrics: [
      { metric: 'alignment', name: () => 'alignment A(K, yyᵀ)' },
      { metric: 'centred_alignment', name: () => 'centred alignment', line: { dash: 'dash' } },
      { metric: 'eigen_alignment', name: (l) => `eigenvector ${l}: (u·y)²/|y|²`, line: { dash: 'dot', width: 1 } },
    ],
    y: 'alignment with the targets',
  },
  layers: { metrics: [{ metric: 'layer_change', name: (l) => l }], y: '|K_l,t - K_l,0| / |K_l,0|' },
  shares: { metrics: [{ metric: 'trace_share', name: (l) => l }], y: 'tr K_l / tr K' },
  spectrum: { metrics: [{ metric: 'eigenvalue', name: (l) => `λ${l}` }], y: 'eigenvalue of the probe NTK' },
  accuracy: { metrics: [{ metric: 'accuracy', name: (l) => l, line: {} }], y: 'accuracy' },
};

/** One line of a series on axis `yaxis`, without the points a log axis cannot show. */
function lineOf(s: TrainingSeries, name: string, color: string, x: 'step' | 'epoch', yaxis: 'y' | 'y2', log: boolean, line: Line = {}): Trace {
  const xs = x === 'step' ? s.step : s.epoch;
  const keep = s.value.map((_, i) => i).filter((i) => Number.isFinite(s.value[i]) && (!log || s.value[i] > 0));
  return {
    type: 'scatter', mode: 'lines+markers', name, x: keep.map((i) => xs[i]), y: keep.map((i) => s.value[i]),
    line: { color, width: 2, ...line }, marker: { color, size: 5 }, yaxis,
  };
}

/** Builds the figure (see the file comment). */
export function trainingFigure(data: TrainingData, s: TrainingSettings): Figure {
  const traces: Trace[] = [];
  data.of('loss').forEach((l) => traces.push(lineOf(l, `loss (${l.label})`, l.label === 'probe' ? colour(1) : colour(0), s.x, 'y', true, l.label === 'probe' ? { dash: 'dot' } : {})));
  const panel = PANEL[s.panel] ?? PANEL.kernel;
  const log = s.logY && s.panel !== 'accuracy';
  let c = 0;
  for (const m of panel.metrics) {
    for (const series of data.of(m.metric)) traces.push(lineOf(series, m.name(series.label), colour(2 + c++), s.x, 'y2', log, m.line));
  }
  const title = s.title ? { text: s.title } : undefined;
  return {
    data: traces,
    layout: {
      ...(title ? { title } : {}),
      xaxis: { title: { text: s.x === 'step' ? 'optimizer step' : 'epoch' }, anchor: 'y2' },
      yaxis: { title: { text: 'loss' }, type: 'log', domain: [0.62, 1], exponentformat: 'power' },
      yaxis2: { title: { text: panel.y }, type: log ? 'log' : 'linear', domain: [0, 0.52], anchor: 'x', exponentformat: 'power' },
      margin: { l: 70, r: 20, t: title ? 40 : 20, b: 50 },
      hovermode: 'closest',
      uirevision: `training:${s.panel}:${s.x}:${log}`,
    },
  };
}
