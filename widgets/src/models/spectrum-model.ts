/** SpectrumWidget's model: eigenvalues ('spectrum' stream) and density curves ('density' stream). */
import type { DecodedBatch } from '../../../src/figures/arrow/decode';
import type { WidgetKind } from '../../../src/figures/arrow/kinds';
import { SpectrumData } from '../../../src/figures/data/spectrum-data';
import { StreamModel } from './stream-model';

export class SpectrumModel extends StreamModel {
  data = new SpectrumData();

  override defaults(): Backbone.ObjectHash {
    return {
      ...super.defaults(),
      _model_name: 'SpectrumModel',
      _view_name: 'SpectrumView',
      mode: 'histogram',
      bins: 0,
      log_x: false,
      log_y: false,
      hidden: [],
      stats: {},
    };
  }

  protected streamKinds(): Record<string, WidgetKind> {
    return { spectrum: 'spectrum', density: 'density' };
  }

  protected resetData(): void {
    this.data = new SpectrumData();
  }

  protected ingest(stream: string, batches: DecodedBatch[]): void {
    for (const b of batches) {
      if (stream === 'spectrum') this.data.addSpectrum(b as DecodedBatch<'spectrum'>);
      else this.data.addDensity(b as DecodedBatch<'density'>);
    }
  }
}
