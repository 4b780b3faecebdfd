/**
 * What a notebook cell imports to talk to the front end and to see results live: Jupyter comms with binary
 * buffers, widget models, display with ids and the cell's AbortSignal (../kernel), and the ntk-lab widgets fed by
 * Arrow streams, each with a static fallback (../display). Outside the ntk-lab kernel comms throw
 * CommUnavailableError, and widgets still compute and display their fallback.
 *
 *   import { showSpectrum, showRisk, cellSignal } from 'ntk-lab/notebook';
 *   import { spectrum } from 'ntk-lab/spectra';
 *   await showSpectrum(await spectrum(K));
 *   const risk = await showRisk({ n: 1000, d: 200, width: 400, etaMax: 8, seeds: 3 });
 *
 * The 'ntk-lab/notebook' entry. Protocol and controls: docs/kernel.md, docs/widgets.md. Internal: the kernel
 * itself (../kernel/main), the sweep widgets' default parameters and eta grid, plotly JSON conversion and the
 * front-end module names (../display).
 */
export {
  commsAvailable,
  openComm,
  registerTarget,
  unregisterTarget,
  cellSignal,
  openWidget,
  onWidgetOpened,
  display,
  Comm,
  WidgetModel,
  WIDGET_PROTOCOL_VERSION,
  WIDGET_VIEW_MIME,
  CommUnavailableError,
  CommClosedError,
} from '../kernel';
export type {
  CommHandler,
  CommMessage,
  TargetHandler,
  DisplayHandle,
  DisplayOptions,
  MimeBundle,
  ChangeHandler,
  CustomHandler,
  WidgetSpec,
  WidgetState,
  StateValue,
  BufferPath,
  BinaryLike,
  JsonObject,
  JsonValue,
  JsonPrimitive,
} from '../kernel';

export {
  SpectrumWidget,
  AlignmentWidget,
  RiskWidget,
  KernelWidget,
  TrainingWidget,
  showSpectrum,
  showAlignment,
  showRisk,
  showKernel,
  showTraining,
  StreamingWidget,
  BatchChannel,
  encodeBatch,
  staticBundle,
  PLOTLY_MIME,
} from '../display';
export type {
  SpectrumWidgetOptions,
  SweepWidgetOptions,
  SweepParams,
  KernelWidgetOptions,
  TrainingWidgetOptions,
  StreamOutcome,
  BatchSource,
  StreamingWidgetInit,
  WidgetPort,
} from '../display';

export { progressLine } from './progress';
export type { ProgressLine, ProgressLineOptions } from './progress';
