/** TrainingWidget's model: the snapshots of train() ('training' stream), one row per measured value. */
import type { DecodedBatch } from '../../../src/figures/arrow/decode';
import type { WidgetKind } from '../../../src/figures/arrow/kinds';
import { TrainingData } from '../../../src/figures/data/training-data';
import { StreamModel } from './stream-model';

export class TrainingModel extends StreamModel {
  data = new TrainingData();

  override defaults(): Backbone.ObjectHash {
    return { ...super.defaults(), _model_name: 'TrainingModel', _view_name: 'TrainingView', panel: 'kernel', x_axis: 'step', log_y: true };
  }

  protected streamKinds(): Record<string, WidgetKind> {
    return { training: 'training' };
  }

  protected resetData(): void {
    this.data = new TrainingData();
  }

  protected ingest(_stream: string, batches: DecodedBatch[]): void {
    for (const b of batches) this.data.add(b as DecodedBatch<'training'>);
  }
}
