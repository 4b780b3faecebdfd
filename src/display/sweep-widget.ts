/**
 * The one-step sweep widgets (Ba et al. 2022, src/feature-learning): AlignmentWidget (alignment of the
 * first-layer weights with the teacher direction, spike and bulk singular values against eta) and
 * RiskWidget (ridge risk against eta for the small and large learning-rate scalings, with the
 * random-features and best-linear baselines). Both stream one batch per completed point; changing the
 * eta range, lambda, width or seed count, in the widget or with update(), recomputes.
 *
 *   const risk = new RiskWidget({ n: 1000, d: 200, width: 400, etaMax: 8, seeds: 3 }).display();
 *   await risk.run();
 *   await risk.update({ lambda: 1e-2 });         // as moving the lambda slider does
 */
import type { TypeMap } from 'apache-arrow';
import type { DecodedBatch } from '../figures/arrow/decode';
import { SweepData } from '../figures/data/sweep-data';
import { alignmentFigure } from '../figures/builders/alignment';
import { riskFigure } from '../figures/builders/risk';
import { sweepCurves, SweepX } from '../figures/builders/sweep';
import type { Figure } from '../figures/builders/types';
import type { OneStepSweepColumns } from '../arrow';
import type { ResultStream } from '../arrow/stream';
import { oneStepSweepStream } from '../feature-learning/sweep';
import { cellSignal } from '../kernel/api';
import { BatchSource, StreamingWidget, StreamOutcome } from './streaming-widget';
import { checkParams, DEFAULT_PARAMS, expectedSweepRows, oneStepOptions, PARAM_TRAITS, paramsFromTraits, paramTraits, SweepFixed, SweepParams } from './sweep-params';

/** Options of the sweep widgets: the parameters, what stays fixed, and the plot settings. */
export interface SweepWidgetOptions extends Partial<SweepParams>, Partial<SweepFixed> {
  title?: string;
  /** x axis: the multiplier eta / N^alpha (default, both scalings on one axis) or eta itself. */
  xAxis?: SweepX;
  logX?: boolean;
  logY?: boolean;
  /** Show the parameter controls (default true). */
  controls?: boolean;
  /** Replaces the default computation (oneStepSweepStream): called with the parameters on every run. */
  compute?: (params: SweepParams, signal: AbortSignal) => ResultStream<OneStepSweepColumns>;
}

const PARAM_KEYS = new Set(Object.values(PARAM_TRAITS));
// Fixed parts of the experiment, with sizes that keep a default sweep near a second here.
const DEFAULT_FIXED: SweepFixed = { n: 512, d: 128, activation: 'tanh', teacher: 'erf', noise: 0.1 };

abstract class SweepWidget extends StreamingWidget {
  private data = new SweepData();
  private readonly fixed: SweepFixed;
  private readonly computeFn: (params: SweepParams, signal: AbortSignal) => ResultStream<OneStepSweepColumns>;
  private last: Promise<Record<string, StreamOutcome>> | undefined;

  protected constructor(modelName: string, viewName: string, subject: string, options: SweepWidgetOptions) {
    const params = checkParams({ ...DEFAULT_PARAMS, ...definedParams(options) });
    const fixed: SweepFixed = { ...DEFAULT_FIXED };
    for (const k of ['n', 'd', 'activation', 'teacher', 'noise', 'scalings', 'nTest', 'linearLambdas', 'gaussianEquivalent', 'solver', 'maxBytes'] as const) {
      if (options[k] !== undefined) (fixed as Record<string, unknown>)[k] = options[k];
    }
    super({
      modelName,
      viewName,
      kinds: { sweep: 'one-step-sweep' },
      state: {
        title: options.title ?? defaultTitle(subject, fixed),
        x_axis: options.xAxis ?? 'eta_factor',
        log_x: options.logX ?? false,
        log_y: options.logY ?? false,
        controls: options.controls ?? true,
        ...paramTraits(params),
      },
    });
    this.fixed = fixed;
    this.computeFn = options.compute ?? ((p, signal) => oneStepSweepStream(oneStepOptions(p, this.fixed), { signal }));
  }

  /** The parameters now. */
  get params(): SweepParams {
    return paramsFromTraits(this.model.state, DEFAULT_PARAMS);
  }

  /** Runs the sweep with the current parameters, streaming each point; resolves when it ends (rejects if it failed). */
  run(): Promise<Record<string, StreamOutcome>> {
    return this.start(true);
  }

  /** Changes parameters (as the widget's controls do) and recomputes; resolves when the new sweep ends. */
  update(params: Partial<SweepParams>): Promise<Record<string, StreamOutcome>> {
    const next = checkParams({ ...this.params, ...definedParams(params) });
    this.model.set(paramTraits(next));
    return this.start(true);
  }

  /** The latest computation (started by run(), update() or a control), to await from a cell. */
  settled(): Promise<Record<string, StreamOutcome>> {
    return this.last ?? Promise.resolve({});
  }

  protected override changed(keys: string[]): void {
    // A control moved in the browser: recompute in the background; failures show in the widget.
    if (keys.some((k) => PARAM_KEYS.has(k))) void this.start(false).catch(() => undefined);
  }

  private start(rethrow: boolean): Promise<Record<string, StreamOutcome>> {
    const p = this.params;
    const scalings = (this.fixed.scalings ?? ['small', 'large']).length;
    const outer = cellSignal();
    this.last = this.compute(
      { sweep: expectedSweepRows(p, scalings) },
      (signal) => {
        checkParams(p);
        // A kernel interrupt (the cell's signal) stops the sweep too.
        const both = AbortSignal.any([signal, outer]);
        return [['sweep', this.computeFn(p, both) as unknown as BatchSource<TypeMap>]];
      },
      rethrow,
    );
    return this.last;
  }

  protected mirror(_stream: string, b: DecodedBatch): void {
    this.data.add(b as DecodedBatch<'one-step-sweep'>);
  }

  protected resetMirror(): void {
    this.data = new SweepData();
  }

  /** The accumulated rows and the run's fixed sizes (for subclasses' figures). */
  protected get rows(): SweepData {
    return this.data;
  }

  protected xAxis(): SweepX {
    return this.model.state.x_axis === 'eta' ? 'eta' : 'eta_factor';
  }

  protected describeParams(): string {
    const p = this.params;
    return `eta ${p.etaMin}..${p.etaMax} (${p.etaPoints} points), lambda ${p.lambda}, N ${p.width}, ${p.seeds} seeds, n ${this.fixed.n}, d ${this.fixed.d}`;
  }
}

/**
 * The title of a sweep widget shown without one: what it plots and the experiment's fixed sizes (the
 * parameters the controls change are stated in the figure itself).
 */
function defaultTitle(subject: string, fixed: SweepFixed): string {
  const teacher = typeof fixed.teacher === 'string' ? `, ${fixed.teacher} teacher` : '';
  const act = typeof fixed.activation === 'string' ? `, ${fixed.activation} student` : '';
  return `${subject} (n = ${fixed.n}, d = ${fixed.d}${act}${teacher})`;
}

function definedParams(o: Partial<SweepParams>): Partial<SweepParams> {
  const out: Partial<SweepParams> = {};
  for (const k of Object.keys(PARAM_TRAITS) as (keyof SweepParams)[]) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** Alignment and spike/bulk singular values against eta (see the file comment). */
export class AlignmentWidget extends SweepWidget {
  constructor(options: SweepWidgetOptions = {}) {
    super('AlignmentModel', 'AlignmentView', 'First-layer alignment and spike after one gradient step', options);
  }

  protected staticFigure(): Figure | undefined {
    if (this.rows.count === 0) return undefined;
    return alignmentFigure(this.rows.rows, { x: this.xAxis(), logX: this.model.state.log_x === true, title: String(this.model.state.title ?? '') || undefined, fixed: this.rows.fixed });
  }

  protected summary(): string {
    const curves = sweepCurves(this.rows.rows, 'alignment_w1', this.xAxis());
    const ends = curves.map((c) => `${c.key}: |cos(W1, β*)| ${c.mean[0]?.toFixed(3)} → ${c.mean[c.mean.length - 1]?.toFixed(3)}`);
    return `AlignmentWidget (${this.describeParams()}): ${this.rows.count} rows${ends.length ? `; ${ends.join('; ')}` : ''}`;
  }
}

/** Ridge risk against eta with baselines (see the file comment). */
export class RiskWidget extends SweepWidget {
  constructor(options: SweepWidgetOptions = {}) {
    super('RiskModel', 'RiskView', 'Ridge risk after one gradient step', options);
  }

  protected staticFigure(): Figure | undefined {
    if (this.rows.count === 0) return undefined;
    const st = this.model.state;
    return riskFigure(this.rows.rows, { x: this.xAxis(), logX: st.log_x === true, logY: st.log_y === true, title: String(st.title ?? '') || undefined, fixed: this.rows.fixed });
  }

  protected summary(): string {
    const curves = sweepCurves(this.rows.rows, 'risk_trained', this.xAxis());
    const best = curves.map((c) => `${c.key}: min risk ${Math.min(...c.mean).toPrecision(3)}`);
    return `RiskWidget (${this.describeParams()}): ${this.rows.count} rows${best.length ? `; ${best.join('; ')}` : ''}`;
  }
}

/** Displays an AlignmentWidget and runs its sweep; resolves to the widget when the sweep ends. */
export async function showAlignment(options: SweepWidgetOptions = {}): Promise<AlignmentWidget> {
  const w = new AlignmentWidget(options).display();
  await w.run();
  return w;
}

/** Displays a RiskWidget and runs its sweep; resolves to the widget when the sweep ends. */
export async function showRisk(options: SweepWidgetOptions = {}): Promise<RiskWidget> {
  const w = new RiskWidget(options).display();
  await w.run();
  return w;
}
