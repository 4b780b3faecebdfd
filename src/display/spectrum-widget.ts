/**
 * SpectrumWidget: histograms (or densities) of the eigenvalues of one or more kernels (the full NTK, a
 * CK, each layer component) with the theoretical density of the matching law overlaid, spikes marked
 * and the KS / W1 distances shown. Eigenvalues stream in batches, so a large spectrum fills in.
 *
 *   const s = await spectrum(await ntkLayerwise(net, x), { theory: await theoryFor(net, x) });
 *   const w = new SpectrumWidget({ title: 'NTK of a 3-layer MLP', logY: true }).display();
 *   await w.show(s);                    // or: await showSpectrum(s)
 *   w.set({ bins: 80, hidden: ['layer1/bias'] });   // the same settings as the widget's controls
 */
import { randomUUID } from 'node:crypto';
import { Table } from 'apache-arrow';
import type { DecodedBatch } from '../figures/arrow/decode';
import { SpectrumData } from '../figures/data/spectrum-data';
import { spectrumFigure, SpectrumStats } from '../figures/builders/spectrum';
import type { Figure } from '../figures/builders/types';
import type { DensityColumns, SpectrumColumns } from '../arrow';
import { resultSchema } from '../arrow/schemas';
import { spectrumBatch } from '../arrow/kinds/spectrum';
import { InvalidOptionError } from '../errors';
import type { WidgetState } from '../kernel/widgets/buffer-paths';
import type { SpectrumResult } from '../spectra/spectrum';
import { BatchSource, StreamingWidget, StreamOutcome } from './streaming-widget';
import type { TypeMap } from 'apache-arrow';

/** Settings of a SpectrumWidget (also its controls). */
export interface SpectrumWidgetOptions {
  title?: string;
  /** 'histogram' (default) or 'density' (the kernel density estimate where the result has one). */
  mode?: 'histogram' | 'density';
  /** Histogram bins (default: Rice's rule). */
  bins?: number;
  logX?: boolean;
  logY?: boolean;
  /** Labels of kernels not shown at first. */
  hidden?: string[];
  /** Eigenvalues per streamed batch (default 2000). */
  batchRows?: number;
}

/** The eigen-spectrum widget (see the file comment). */
export class SpectrumWidget extends StreamingWidget {
  private data = new SpectrumData();
  private readonly batchRows: number;

  constructor(options: SpectrumWidgetOptions = {}) {
    const batchRows = options.batchRows ?? 2000;
    if (!Number.isInteger(batchRows) || batchRows < 1) throw new InvalidOptionError(`SpectrumWidget: batchRows must be a positive integer, got ${batchRows}`);
    if (options.bins !== undefined && !(Number.isInteger(options.bins) && options.bins >= 0)) throw new InvalidOptionError(`SpectrumWidget: bins must be an integer >= 0, got ${options.bins}`);
    super({
      modelName: 'SpectrumModel',
      viewName: 'SpectrumView',
      kinds: { spectrum: 'spectrum', density: 'density' },
      state: {
        title: options.title ?? '',
        mode: options.mode ?? 'histogram',
        bins: options.bins ?? 0,
        log_x: options.logX ?? false,
        log_y: options.logY ?? false,
        hidden: options.hidden ?? [],
        stats: {},
      },
    });
    this.batchRows = batchRows;
  }

  /**
   * Streams a spectrum() result: each kernel's eigenvalues in batches of `batchRows`, then the density
   * curves; the spikes and the KS / W1 distances go into the widget's `stats`. Resolves when sent.
   */
  async show(result: SpectrumResult): Promise<Record<string, StreamOutcome>> {
    const stats: Record<string, WidgetState[string]> = {};
    for (const s of result.spectra) {
      const st: SpectrumStats = { spikes: Array.from(s.spikes.values), edge: s.spikes.edge };
      if (s.distance) Object.assign(st, { law: s.distance.law, ks: s.distance.ks, w1: s.distance.w1 });
      stats[s.label] = st as unknown as WidgetState[string];
    }
    this.model.set({ stats });
    const runId = String(result.table.schema.metadata.get('run_id') ?? randomUUID());
    const schema = resultSchema('spectrum', { params: { kernels: result.spectra.map((s) => s.label), n: result.spectra.map((s) => s.n) }, runId });
    const size = this.batchRows;
    const batches = result.spectra.flatMap((s) => {
      const out = [];
      for (let i = 0; i < s.n; i += size) {
        out.push(spectrumBatch({ eigenvalues: s.eigenvalues.subarray(i, Math.min(s.n, i + size)), kernelKind: s.kind, label: s.label, runId, firstIndex: i }));
      }
      return out;
    });
    const eigen = new Table(schema, batches) as Table<SpectrumColumns>;
    return this.showTables(eigen, result.densities);
  }

  /** Streams a 'spectrum' table or stream (and optionally 'density' curves) as they are. */
  async showTables(eigen: BatchSource<SpectrumColumns>, densities?: BatchSource<DensityColumns>): Promise<Record<string, StreamOutcome>> {
    const total = eigen instanceof Table ? eigen.numRows : null;
    const dens = densities instanceof Table ? densities.numRows : densities ? null : 0;
    return this.compute({ spectrum: total, density: dens }, () => {
      const list: [string, BatchSource<TypeMap>][] = [['spectrum', eigen as unknown as BatchSource<TypeMap>]];
      if (densities) list.push(['density', densities as unknown as BatchSource<TypeMap>]);
      return list;
    });
  }

  protected mirror(stream: string, b: DecodedBatch): void {
    if (stream === 'spectrum') this.data.addSpectrum(b as DecodedBatch<'spectrum'>);
    else this.data.addDensity(b as DecodedBatch<'density'>);
  }

  protected resetMirror(): void {
    this.data = new SpectrumData();
  }

  protected staticFigure(): Figure | undefined {
    if (this.data.count === 0) return undefined;
    const st = this.model.state;
    const bins = Number(st.bins);
    return spectrumFigure(this.data.series, this.data.curves, (st.stats ?? {}) as unknown as Record<string, SpectrumStats>, {
      mode: st.mode === 'density' ? 'density' : 'histogram',
      bins: Number.isInteger(bins) && bins > 0 ? bins : null,
      logX: st.log_x === true,
      logY: st.log_y === true,
      hidden: (st.hidden ?? []) as string[],
      title: String(st.title ?? '') || undefined,
    });
  }

  protected summary(): string {
    const st = (this.model.state.stats ?? {}) as unknown as Record<string, SpectrumStats>;
    const parts = this.data.series.map((s) => {
      const x = st[s.label];
      const d = x && x.ks !== undefined ? `, KS ${x.ks.toPrecision(3)}, W1 ${x.w1?.toPrecision(3)} to ${x.law}` : '';
      const sp = x?.spikes?.length ? `, ${x.spikes.length} spikes` : '';
      return `${s.label} (n=${s.values.length}${sp}${d})`;
    });
    return `SpectrumWidget: ${parts.length ? parts.join('; ') : 'no eigenvalues yet'}`;
  }
}

/** Displays a SpectrumWidget for `result` and streams it; resolves to the widget once sent. */
export async function showSpectrum(result: SpectrumResult, options: SpectrumWidgetOptions = {}): Promise<SpectrumWidget> {
  const w = new SpectrumWidget(options).display();
  await w.show(result);
  return w;
}
