/**
 * The JupyterLab plugin: registers the models and views under the module name and version the kernel
 * writes into each widget's state (src/version.ts), with the widget manager of @jupyter-widgets/base,
 * which JupyterLab shares with this extension as a singleton.
 */
import { IJupyterWidgetRegistry } from '@jupyter-widgets/base';
import { KernelModel } from './models/kernel-model';
import { SpectrumModel } from './models/spectrum-model';
import { AlignmentModel, RiskModel } from './models/sweep-model';
import { TrainingModel } from './models/training-model';
import { MODULE_NAME, MODULE_VERSION } from '../../src/figures/version';
import { KernelView } from './views/kernel-view';
import { SpectrumView } from './views/spectrum-view';
import { AlignmentView, RiskView } from './views/sweep-view';
import { TrainingView } from './views/training-view';
// Resolved by the bundler from the compiled lib/widgets/src/plugin.js (tsc's rootDir is the repository, so
// that the shared src/figures compiles beside this package's sources): widgets/style/index.css.
import '../../../style/index.css';

/** What the widget manager loads for module 'ntk-lab-widgets'. */
export const WIDGET_EXPORTS = { SpectrumModel, SpectrumView, AlignmentModel, AlignmentView, RiskModel, RiskView, KernelModel, KernelView, TrainingModel, TrainingView };

/** The plugin object JupyterLab activates (typed structurally: no dependency on @jupyterlab/application). */
const plugin = {
  id: `${MODULE_NAME}:plugin`,
  description: 'ntk-lab widgets: spectra, alignment, risk, kernel heatmaps and training dynamics streamed from the ntk-lab kernel',
  requires: [IJupyterWidgetRegistry],
  autoStart: true,
  activate: (_app: unknown, registry: IJupyterWidgetRegistry): void => {
    registry.registerWidget({ name: MODULE_NAME, version: MODULE_VERSION, exports: WIDGET_EXPORTS });
  },
};

export default plugin;
