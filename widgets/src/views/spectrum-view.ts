/** SpectrumWidget's view: mode, bins, log axes and per-kernel toggles; all redraw without the kernel. */
import { spectrumFigure, SpectrumStats } from '../../../src/figures/builders/spectrum';
import { spectrumLine } from '../../../src/figures/describe';
import type { Figure } from '../../../src/figures/builders/types';
import type { SpectrumModel } from '../models/spectrum-model';
import { checkboxControl, numberControl, selectControl, toggleListControl } from './controls';
import { StreamView } from './stream-view';

export class SpectrumView extends StreamView<SpectrumModel> {
  protected readonly widgetName = 'spectrum';

  protected buildControls(into: HTMLElement): void {
    into.append(
      selectControl(this, this.model, 'mode', 'show', () => ['histogram', 'density']),
      numberControl(this, this.model, 'bins', 'bins (0: auto)', { min: 0, max: 1000, integer: true }),
      checkboxControl(this, this.model, 'log_x', 'log x'),
      checkboxControl(this, this.model, 'log_y', 'log y'),
      toggleListControl(this, this.model, 'hidden', 'kernels', () => this.m.data.series.map((s) => s.label), ['data']),
    );
  }

  protected redrawOn(): string[] {
    return ['mode', 'bins', 'log_x', 'log_y', 'hidden', 'stats', 'title'];
  }

  protected rows(): number {
    return this.m.data.count;
  }

  protected statusLine(): string {
    return spectrumLine(this.m.data.series, this.m.status, this.m.store.held());
  }

  protected figure(): Figure {
    const bins = Number(this.model.get('bins'));
    return spectrumFigure(this.m.data.series, this.m.data.curves, (this.model.get('stats') ?? {}) as Record<string, SpectrumStats>, {
      mode: this.model.get('mode') === 'density' ? 'density' : 'histogram',
      bins: Number.isInteger(bins) && bins > 0 ? bins : null,
      logX: this.model.get('log_x') === true,
      logY: this.model.get('log_y') === true,
      hidden: (this.model.get('hidden') ?? []) as string[],
    });
  }
}
