/**
 * TrainingWidget: the kernel during training, drawn live as train() streams its snapshots: the loss on top,
 * below it the chosen group of kernel measures (movement, alignment, per-layer change or share, top
 * eigenvalues, accuracy), switched in the browser without retraining.
 *
 *   const w = new TrainingWidget({ title: 'width 256' }).display();
 *   await w.show(train(net, { x, y }, { epochs: 50, snapshots: { every: 10, probe, probeTargets } }));
 *   // or: await showTraining(train(...), { panel: 'alignment' })
 */
import { Table } from 'apache-arrow';
import type { TypeMap } from 'apache-arrow';
import type { DecodedBatch } from '../figures/arrow/decode';
import { TRAINING_PANELS, trainingFigure, TrainingPanel } from '../figures/builders/training';
import { TrainingData } from '../figures/data/training-data';
import type { Figure } from '../figures/builders/types';
import { InvalidOptionError } from '../errors';
import type { TrainingColumns } from '../training/schema';
import { BatchSource, StreamingWidget, StreamOutcome } from './streaming-widget';

/** Settings of a TrainingWidget (also its controls). */
export interface TrainingWidgetOptions {
  title?: string;
  /** What the lower panel shows first (default 'kernel'). */
  panel?: TrainingPanel;
  /** x axis: optimizer steps (default) or epochs. */
  x?: 'step' | 'epoch';
  /** Log scale of the lower panel (default true). */
  logY?: boolean;
}

/** The training-dynamics widget (see the file comment). */
export class TrainingWidget extends StreamingWidget {
  private data = new TrainingData();

  constructor(options: TrainingWidgetOptions = {}) {
    const panel = options.panel ?? 'kernel';
    if (!TRAINING_PANELS.includes(panel)) throw new InvalidOptionError(`TrainingWidget: panel must be one of ${TRAINING_PANELS.join(', ')}, got '${String(panel)}'`);
    const x = options.x ?? 'step';
    if (x !== 'step' && x !== 'epoch') throw new InvalidOptionError(`TrainingWidget: x must be 'step' or 'epoch', got '${String(x)}'`);
    super({
      modelName: 'TrainingModel',
      viewName: 'TrainingView',
      kinds: { training: 'training' },
      state: { title: options.title ?? '', panel, x_axis: x, log_y: options.logY ?? true },
    });
  }

  /**
   * Streams a run of train() (or a 'training' table) into the widget as its snapshots arrive; resolves when
   * training ends. A failure of training is thrown here too (a cell that awaits show() fails with it).
   */
  async show(run: BatchSource<TrainingColumns>): Promise<Record<string, StreamOutcome>> {
    const expected = run instanceof Table ? run.numRows : null;
    return this.compute({ training: expected }, () => [['training', run as unknown as BatchSource<TypeMap>]], true);
  }

  protected mirror(_stream: string, b: DecodedBatch): void {
    this.data.add(b as DecodedBatch<'training'>);
  }

  protected resetMirror(): void {
    this.data = new TrainingData();
  }

  protected staticFigure(): Figure | undefined {
    if (this.data.count === 0) return undefined;
    const st = this.model.state;
    return trainingFigure(this.data, {
      x: st.x_axis === 'epoch' ? 'epoch' : 'step',
      panel: TRAINING_PANELS.includes(st.panel as TrainingPanel) ? (st.panel as TrainingPanel) : 'kernel',
      logY: st.log_y !== false,
      title: String(st.title ?? '') || undefined,
    });
  }

  protected summary(): string {
    const loss = this.data.get('loss', 'train');
    const dist = this.data.get('kernel_distance', 'ntk');
    const fmt = (v: number): string => v.toPrecision(3);
    const parts = [`${this.data.snapshots} snapshots to step ${this.data.lastStep}`];
    if (loss && loss.value.length) parts.push(`train loss ${fmt(loss.value[0])} -> ${fmt(loss.value[loss.value.length - 1])}`);
    if (dist && dist.value.length) parts.push(`kernel distance ${fmt(dist.value[dist.value.length - 1])}`);
    const al = this.data.get('alignment', 'ntk');
    if (al && al.value.length) parts.push(`alignment ${fmt(al.value[0])} -> ${fmt(al.value[al.value.length - 1])}`);
    return `TrainingWidget: ${this.data.count ? parts.join('; ') : 'no snapshots yet'}`;
  }
}

/** Displays a TrainingWidget and streams `run` (a train() stream) into it; resolves to the widget when training ends. */
export async function showTraining(run: BatchSource<TrainingColumns>, options: TrainingWidgetOptions = {}): Promise<TrainingWidget> {
  const w = new TrainingWidget(options).display();
  await w.show(run);
  return w;
}
