/** Models of the one-step sweep widgets (alignment and risk): rows of the 'sweep' stream. */
import type { DecodedBatch } from '../../../src/figures/arrow/decode';
import type { WidgetKind } from '../../../src/figures/arrow/kinds';
import { SweepData } from '../../../src/figures/data/sweep-data';
import { StreamModel } from './stream-model';

/** Shared by AlignmentModel and RiskModel: the sweep's rows and its parameters as controls. */
export abstract class SweepModel extends StreamModel {
  data = new SweepData();

  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      x_axis: 'eta_factor',
      log_x: false,
      // The computation's parameters: the kernel recomputes when the front end changes them.
      eta_min: 0,
      eta_max: 4,
      eta_points: 9,
      lambda: 1e-3,
      width: 256,
      seeds: 2,
      controls: true,
    };
  }

  protected streamKinds(): Record<string, WidgetKind> {
    return { sweep: 'one-step-sweep' };
  }

  protected resetData(): void {
    this.data = new SweepData();
  }

  protected ingest(_stream: string, batches: DecodedBatch[]): void {
    for (const b of batches) this.data.add(b as DecodedBatch<'one-step-sweep'>);
  }
}

export class AlignmentModel extends SweepModel {
  override defaults(): Backbone.ObjectHash {
    return { ...super.defaults(), _model_name: 'AlignmentModel', _view_name: 'AlignmentView' };
  }
}

export class RiskModel extends SweepModel {
  override defaults(): Backbone.ObjectHash {
    return { ...super.defaults(), _model_name: 'RiskModel', _view_name: 'RiskView', log_y: false };
  }
}
