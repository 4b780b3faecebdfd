/**
 * What a notebook cell calls to see results live: widgets fed by Arrow streams, drawn by the
 * ntk-lab-widgets JupyterLab extension (widgets/), with a static fallback (text, plotly JSON, SVG or PNG)
 * in every display bundle. Outside the ntk-lab kernel the widgets still compute and display the fallback.
 *
 *   import { showSpectrum, showRisk, showKernel } from 'ntk-lab/notebook';   // re-exported by ../notebook
 *   await showSpectrum(await spectrum(K, { theory }));
 *   const risk = await showRisk({ n: 1000, d: 200, width: 400, etaMax: 8, seeds: 3 });
 *   await risk.update({ lambda: 1e-2 });
 *
 * Protocol, controls and install: docs/widgets.md.
 *
 * Not a package entry: 'ntk-lab/notebook' (src/notebook/index.ts) lists what is public; the sweep defaults and eta
 * grid, plotly JSON conversion and the front-end module names are for ntk-lab's own modules.
 */
export { StreamingWidget } from './streaming-widget';
export type { StreamOutcome, BatchSource, StreamingWidgetInit } from './streaming-widget';
export { SpectrumWidget, showSpectrum } from './spectrum-widget';
export type { SpectrumWidgetOptions } from './spectrum-widget';
export { AlignmentWidget, RiskWidget, showAlignment, showRisk } from './sweep-widget';
export type { SweepWidgetOptions } from './sweep-widget';
export { DEFAULT_PARAMS as DEFAULT_SWEEP_PARAMS, etaGrid } from './sweep-params';
export type { SweepParams, SweepFixed } from './sweep-params';
export { KernelWidget, showKernel } from './kernel-widget';
export { TrainingWidget, showTraining } from './training-widget';
export type { TrainingWidgetOptions } from './training-widget';
export type { KernelWidgetOptions } from './kernel-widget';
export { BatchChannel } from './channel';
export type { WidgetPort } from './channel';
export { encodeBatch } from './encode';
export { staticBundle, plotlyJson, PLOTLY_MIME } from './fallback/bundle';
export { MODULE_NAME, MODULE_VERSION } from './names';
