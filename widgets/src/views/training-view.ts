/** TrainingWidget's view: which kernel measures the lower panel shows, the x axis, log scale; all redraw without the kernel. */
import { TRAINING_PANELS, trainingFigure, TrainingPanel } from '../../../src/figures/builders/training';
import type { Figure } from '../../../src/figures/builders/types';
import { trainingLine } from '../../../src/figures/describe';
import type { TrainingModel } from '../models/training-model';
import { checkboxControl, selectControl } from './controls';
import { StreamView } from './stream-view';

export class TrainingView extends StreamView<TrainingModel> {
  protected readonly widgetName = 'training';

  protected buildControls(into: HTMLElement): void {
    into.append(
      selectControl(this, this.model, 'panel', 'show', () => TRAINING_PANELS),
      selectControl(this, this.model, 'x_axis', 'x', () => ['step', 'epoch']),
      checkboxControl(this, this.model, 'log_y', 'log y'),
    );
  }

  protected redrawOn(): string[] {
    return ['panel', 'x_axis', 'log_y', 'title'];
  }

  protected rows(): number {
    return this.m.data.count;
  }

  protected statusLine(): string {
    return trainingLine(this.m.data, this.m.status, this.m.store.held());
  }

  protected figure(): Figure {
    const panel = this.model.get('panel') as TrainingPanel;
    return trainingFigure(this.m.data, {
      x: this.model.get('x_axis') === 'epoch' ? 'epoch' : 'step',
      panel: TRAINING_PANELS.includes(panel) ? panel : 'kernel',
      logY: this.model.get('log_y') !== false,
    });
  }
}
