/**
 * The mime extension of ntk-lab-widgets (package.json `jupyterlab.mimeExtension`): JupyterLab adds its
 * renderer factory to the rendermime registry that every notebook clones. It renders outputs that carry
 * ntk-lab's marker (src/figures/output.ts): the live widget while its model exists, else the static copy.
 * Its rank puts it before the widget-view renderer of @jupyter-widgets/jupyterlab-manager (rank -10), which
 * would otherwise take these outputs; other libraries' widget outputs have no marker and still go there.
 * Unsafe like the widget renderer: an untrusted notebook shows its safe fallbacks (PNG, text) instead.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { FIGURE_MIME } from '../../src/figures/output';
import { MODULE_NAME } from '../../src/figures/version';
import { FigureRenderer } from './render/figure-renderer';

/** Rank of the factory: below (preferred to) the widget-view renderer's -10. */
export const FIGURE_RANK = -20;

const extension: IRenderMime.IExtension = {
  id: `${MODULE_NAME}:figure-renderer`,
  description: 'ntk-lab figures: the live widget while its model exists, else the static copy saved with the notebook',
  rendererFactory: {
    safe: false,
    mimeTypes: [FIGURE_MIME],
    createRenderer: (options) => new FigureRenderer(options),
  },
  rank: FIGURE_RANK,
  dataType: 'json',
};

export default extension;
