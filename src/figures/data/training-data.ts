/** The kernel during training, accumulated from 'training' batches: one series per (metric, label), in step order. */
import type { DecodedBatch } from '../arrow/decode';

/** One measured quantity along training: value[i] after step[i] optimizer steps (epoch[i] = step / steps per epoch). */
export interface TrainingSeries {
  metric: string;
  label: string;
  step: number[];
  epoch: number[];
  value: number[];
}

/** Accumulates training batches for the training figure. */
export class TrainingData {
  private readonly byKey = new Map<string, TrainingSeries>();
  private readonly steps = new Set<number>();
  private rowsSeen = 0;

  /** Appends a batch (one snapshot, or several from a table). */
  add(b: DecodedBatch<'training'>): void {
    const { step, epoch, metric, label, value } = b.columns;
    for (let i = 0; i < b.rows; i++) {
      const key = `${metric[i]}\u0000${label[i]}`;
      let s = this.byKey.get(key);
      if (!s) this.byKey.set(key, (s = { metric: metric[i], label: label[i], step: [], epoch: [], value: [] }));
      s.step.push(step[i]);
      s.epoch.push(epoch[i]);
      s.value.push(value[i]);
      this.steps.add(step[i]);
    }
    this.rowsSeen += b.rows;
  }

  /** The series of `metric`, labels in arrival order. */
  of(metric: string): TrainingSeries[] {
    return [...this.byKey.values()].filter((s) => s.metric === metric);
  }

  /** One series, if received. */
  get(metric: string, label: string): TrainingSeries | undefined {
    return this.byKey.get(`${metric}\u0000${label}`);
  }

  /** Snapshots received (distinct steps). */
  get snapshots(): number {
    return this.steps.size;
  }

  /** The latest step received (0 before any). */
  get lastStep(): number {
    return this.steps.size ? Math.max(...this.steps) : 0;
  }

  /** Rows received. */
  get count(): number {
    return this.rowsSeen;
  }
}
