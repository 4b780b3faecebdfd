/**
 * plotly.js, typed for the calls the views make. The bundle (plotly.js-dist-min) has no types of its own,
 * and the community types follow another major version; these few signatures are all the views need.
 */
import PlotlyBundle from 'plotly.js-dist-min';
import type { Figure, Layout, Numbers, Trace } from '../../src/figures/builders/types';

/** Plotly's config (the subset used). */
export interface PlotConfig {
  responsive?: boolean;
  displaylogo?: boolean;
  modeBarButtonsToRemove?: string[];
}

/** The calls used. */
export interface PlotlyApi {
  newPlot(el: HTMLElement, data: Trace[], layout: Layout, config?: PlotConfig): Promise<HTMLElement>;
  react(el: HTMLElement, data: Trace[], layout: Layout, config?: PlotConfig): Promise<HTMLElement>;
  extendTraces(el: HTMLElement, update: { x: Numbers[]; y: Numbers[] }, indices: number[]): Promise<HTMLElement>;
  purge(el: HTMLElement): void;
  Plots: { resize(el: HTMLElement): Promise<void> | void };
}

export const Plotly: PlotlyApi = PlotlyBundle as PlotlyApi;
export type { Figure };
