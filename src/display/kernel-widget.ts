/**
 * KernelWidget: a heatmap of a kernel or of one layer component, streamed as 'kernel-tiles' bands of
 * rows (the heatmap fills from the top), with the data ordering selectable: as computed ('index'), by
 * class label when labels are given ('label'), or by the entries of the kernel's top eigenvector
 * ('spectral', which brings out block structure). Orderings are permutations sent once as binary
 * state; switching them, or the kernel shown, is done in the browser without recomputing.
 *
 *   const w = new KernelWidget({ title: 'NTK', labels: y }).display();
 *   await w.show(await ntkLayerwise(net, x));   // the NTK and each component, selectable
 */
import type { TypeMap } from 'apache-arrow';
import type { DecodedBatch } from '../figures/arrow/decode';
import { TileData } from '../figures/data/tile-data';
import { checkPermutation, heatmapFigure } from '../figures/builders/heatmap';
import type { Figure } from '../figures/builders/types';
import type { KernelTileColumns } from '../arrow';
import { kernelStream } from '../arrow/kernels';
import type { ResultStream } from '../arrow/stream';
import { InvalidOptionError, ShapeError } from '../errors';
import { Kernel, type LayerwiseNtk } from '../ntk/kernel';
import { topEigenvectors } from '../spectra/eigen';
import { BatchSource, StreamingWidget, StreamOutcome } from './streaming-widget';

/** Options of a KernelWidget. */
export interface KernelWidgetOptions {
  title?: string;
  /** Class labels of the data points: adds the ordering 'label' (stable sort by label). */
  labels?: ArrayLike<number>;
  /** More orderings: name -> permutation (position -> data index). */
  orderings?: Record<string, ArrayLike<number>>;
  /** Add the 'spectral' ordering (sort by the top eigenvector of the first kernel); default true up to n = 4000. */
  spectral?: boolean;
  /** The ordering shown first (default 'index'). */
  ordering?: string;
  /** Largest side drawn; bigger kernels are shown as block means (default 2048). */
  maxSide?: number;
  /** Plotly colorscale name (default 'Viridis'). */
  colorscale?: string;
  /** Rows per streamed tile (default: as many as fit 2^18 values, 1 MiB). */
  tileRows?: number;
}

/** Side of the static fallback image (block means beyond it). */
const STATIC_SIDE = 256;

/** The kernel heatmap widget (see the file comment). */
export class KernelWidget extends StreamingWidget {
  private data = new TileData();
  private readonly options: KernelWidgetOptions;
  private readonly orderings = new Map<string, Int32Array>();

  constructor(options: KernelWidgetOptions = {}) {
    super({
      modelName: 'KernelModel',
      viewName: 'KernelView',
      kinds: { tiles: 'kernel-tiles' },
      state: { title: options.title ?? '', label: null, ordering: options.ordering ?? 'index', orderings: {}, max_side: options.maxSide ?? 2048, colorscale: options.colorscale ?? 'Viridis' },
    });
    this.options = options;
  }

  /** Streams kernels (a Kernel, several, or an NTK with its layer components) and then computes the orderings. */
  async show(kernels: Kernel | readonly Kernel[] | LayerwiseNtk): Promise<Record<string, StreamOutcome>> {
    const list = kernelList(kernels);
    const n = list[0].shape[0];
    for (const k of list) if (k.shape.length !== 2) throw new ShapeError(`KernelWidget: kernel '${k.label}' has shape [${k.shape.join(', ')}]; a heatmap needs a 2-D kernel`);
    this.addOrderings(n);
    const cols = list[0].shape[1];
    const tileRows = this.options.tileRows ?? Math.max(1, Math.floor((1 << 18) / Math.max(1, cols)));
    const tiles = list.reduce((s, k) => s + Math.ceil(k.shape[0] / tileRows), 0);
    const outcome = await this.showStream(kernelStream(list, { params: { kernels: list.map((k) => k.label) } }, { tileRows }), tiles);
    if (this.options.spectral ?? n <= 4000) await this.addSpectralOrdering(list[0]);
    return outcome;
  }

  /** Streams a 'kernel-tiles' stream as it is; `tiles` (its row count, one per tile) drives the progress bar when known. */
  showStream(stream: ResultStream<KernelTileColumns>, tiles: number | null = null): Promise<Record<string, StreamOutcome>> {
    return this.compute({ tiles }, () => [['tiles', stream as unknown as BatchSource<TypeMap>]]);
  }

  /** Adds (or replaces) an ordering, a permutation of 0..n-1 (position -> data index). */
  setOrdering(name: string, permutation: ArrayLike<number>): void {
    if (name === 'index') throw new InvalidOptionError("KernelWidget: 'index' is the order as computed and cannot be replaced");
    const p = Int32Array.from(permutation);
    const bad = checkPermutation(p, p.length);
    if (bad) throw new InvalidOptionError(`KernelWidget: ordering '${name}': ${bad}`);
    this.orderings.set(name, p);
    const state: Record<string, Uint8Array> = {};
    for (const [k, v] of this.orderings) state[k] = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    this.model.set({ orderings: state });
  }

  private addOrderings(n: number): void {
    if (this.options.labels) {
      const y = this.options.labels;
      if (y.length !== n) throw new ShapeError(`KernelWidget: ${y.length} labels for ${n} data points`);
      const idx = Array.from({ length: n }, (_, i) => i);
      idx.sort((a, b) => y[a] - y[b] || a - b);
      this.setOrdering('label', idx);
    }
    for (const [name, p] of Object.entries(this.options.orderings ?? {})) this.setOrdering(name, p);
  }

  private async addSpectralOrdering(k: Kernel): Promise<void> {
    const n = k.shape[0];
    if (n !== k.shape[1] || n < 2) return;
    const v = await topEigenvectors({ rows: n, cols: n, data: k.float64() }, 1);
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => v.data[a] - v.data[b] || a - b);
    this.setOrdering('spectral', idx);
  }

  protected mirror(_stream: string, b: DecodedBatch): void {
    this.data.add(b as DecodedBatch<'kernel-tiles'>);
  }

  protected resetMirror(): void {
    this.data = new TileData();
  }

  protected staticFigure(): Figure | undefined {
    const st = this.model.state;
    const k = this.data.get(typeof st.label === 'string' ? st.label : null);
    if (!k) return undefined;
    const name = String(st.ordering ?? 'index');
    const order = this.orderings.get(name) ?? null;
    return heatmapFigure(k, { order: order && order.length === k.rows ? order : null, orderName: order ? name : 'index', maxSide: STATIC_SIDE, colorscale: String(st.colorscale ?? 'Viridis'), title: String(st.title ?? '') || undefined });
  }

  protected summary(): string {
    const ks = this.data.labels().map((l) => {
      const k = this.data.get(l);
      return k ? `${l} ${k.rows}x${k.cols} (${k.filled === k.rows * k.cols ? 'complete' : `${k.filled} of ${k.rows * k.cols} values`})` : l;
    });
    return `KernelWidget: ${ks.length ? ks.join('; ') : 'no kernel yet'}; orderings: index${[...this.orderings.keys()].map((o) => `, ${o}`).join('')}`;
  }
}

function kernelList(input: Kernel | readonly Kernel[] | LayerwiseNtk): Kernel[] {
  if (input instanceof Kernel) return [input];
  if (Array.isArray(input)) {
    if (input.length === 0) throw new ShapeError('KernelWidget: no kernels given');
    return [...(input as readonly Kernel[])];
  }
  const lw = input as LayerwiseNtk;
  if (lw && lw.ntk instanceof Kernel && Array.isArray(lw.components)) return [lw.ntk, ...lw.components];
  throw new ShapeError('KernelWidget: expected a Kernel, an array of Kernels or {ntk, components} from ntkLayerwise');
}

/** Displays a KernelWidget for `kernels` and streams them; resolves to the widget once sent. */
export async function showKernel(kernels: Kernel | readonly Kernel[] | LayerwiseNtk, options: KernelWidgetOptions = {}): Promise<KernelWidget> {
  const w = new KernelWidget(options).display();
  await w.show(kernels);
  return w;
}
