/** KernelWidget's view: which kernel (or layer component), and the ordering of the data. */
import { checkPermutation, heatmapFigure } from '../../../src/figures/builders/heatmap';
import type { Figure } from '../../../src/figures/builders/types';
import { kernelLine } from '../../../src/figures/describe';
import type { TiledKernel } from '../../../src/figures/data/tile-data';
import type { KernelModel } from '../models/kernel-model';
import { selectControl } from './controls';
import { StreamView } from './stream-view';

export class KernelView extends StreamView<KernelModel> {
  protected readonly widgetName = 'kernel';

  protected buildControls(into: HTMLElement): void {
    into.append(
      selectControl(this, this.model, 'label', 'kernel', () => this.m.data.labels(), ['data']),
      selectControl(this, this.model, 'ordering', 'order', () => this.m.orderingNames(), ['change:orderings']),
    );
  }

  protected redrawOn(): string[] {
    return ['label', 'ordering', 'orderings', 'max_side', 'colorscale', 'title'];
  }

  protected rows(): number {
    return this.m.data.labels().reduce((s, l) => s + (this.m.data.get(l)?.filled ?? 0), 0);
  }

  protected statusLine(): string {
    const kernels = this.m.data.labels().map((l) => this.m.data.get(l)).filter((k): k is TiledKernel => k !== undefined);
    return kernelLine(kernels, this.m.status, this.m.store.held());
  }

  protected figure(): Figure {
    const k = this.m.data.get((this.model.get('label') as string | null) ?? null);
    const name = String(this.model.get('ordering') ?? 'index');
    let order = name === 'index' ? null : this.m.ordering(name);
    if (k && order) {
      const bad = checkPermutation(order, k.rows);
      if (bad) throw new Error(`ordering '${name}': ${bad}`);
    } else if (name !== 'index' && !order) order = null;
    return heatmapFigure(k, { order, orderName: order ? name : 'index', maxSide: Number(this.model.get('max_side')) || 2048, colorscale: String(this.model.get('colorscale') ?? 'Viridis') });
  }
}
