/**
 * Views of the one-step sweep: the parameters of the computation (eta range, lambda, width, seeds),
 * which the kernel recomputes on, and the axis settings, which only redraw.
 */
import { alignmentFigure } from '../../../src/figures/builders/alignment';
import { riskFigure } from '../../../src/figures/builders/risk';
import type { SweepX } from '../../../src/figures/builders/sweep';
import type { Figure } from '../../../src/figures/builders/types';
import { sweepLine } from '../../../src/figures/describe';
import type { SweepModel } from '../models/sweep-model';
import { checkboxControl, logSliderControl, numberControl, selectControl } from './controls';
import { StreamView } from './stream-view';

abstract class SweepView extends StreamView<SweepModel> {
  protected buildControls(into: HTMLElement): void {
    if (this.model.get('controls') !== false) {
      const params = document.createElement('div');
      params.className = 'ntk-params';
      params.append(
        numberControl(this, this.model, 'eta_min', 'η from', { min: 0, step: 0.1 }),
        numberControl(this, this.model, 'eta_max', 'to', { min: 0, step: 0.1 }),
        numberControl(this, this.model, 'eta_points', 'points', { min: 2, max: 64, integer: true }),
        logSliderControl(this, this.model, 'lambda', 'λ', { minExp: -6, maxExp: 1, step: 0.25 }),
        numberControl(this, this.model, 'width', 'width N', { min: 1, max: 8192, integer: true }),
        numberControl(this, this.model, 'seeds', 'seeds', { min: 1, max: 32, integer: true }),
      );
      into.append(params);
    }
    into.append(selectControl(this, this.model, 'x_axis', 'x', () => ['eta_factor', 'eta']), checkboxControl(this, this.model, 'log_x', 'log x'));
  }

  protected redrawOn(): string[] {
    return ['x_axis', 'log_x', 'log_y', 'title'];
  }

  protected rows(): number {
    return this.m.data.count;
  }

  protected statusLine(): string {
    return sweepLine(this.m.data.rows, Number(this.model.get('seeds')), this.m.status, this.m.store.held());
  }

  protected xAxis(): SweepX {
    return this.model.get('x_axis') === 'eta' ? 'eta' : 'eta_factor';
  }
}

export class AlignmentView extends SweepView {
  protected readonly widgetName = 'alignment';

  protected figure(): Figure {
    return alignmentFigure(this.m.data.rows, { x: this.xAxis(), logX: this.model.get('log_x') === true, fixed: this.m.data.fixed });
  }
}

export class RiskView extends SweepView {
  protected readonly widgetName = 'risk';

  protected override buildControls(into: HTMLElement): void {
    super.buildControls(into);
    into.append(checkboxControl(this, this.model, 'log_y', 'log y'));
  }

  protected figure(): Figure {
    return riskFigure(this.m.data.rows, { x: this.xAxis(), logX: this.model.get('log_x') === true, logY: this.model.get('log_y') === true, fixed: this.m.data.fixed });
  }
}
