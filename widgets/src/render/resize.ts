/**
 * Plotly.Plots.resize refuses a plot that is not displayed (a collapsed output, a hidden tab: Lumino sends
 * 'resize' to hidden widgets too): it throws or returns a rejected promise, which nothing awaited, so the
 * page got an unhandled rejection. Resizing is only asked for where the plot is shown, and a refusal is
 * swallowed: a hidden plot is resized when it is shown again ('after-show'), and Plotly's own responsive
 * handler skips hidden plots as well. DOM-free (the element type is a parameter): the Node tests run it.
 */

/** The call used. */
export interface PlotResizer<E> {
  Plots: { resize(el: E): Promise<void> | void };
}

/** Resizes `el`'s plot when `shown(el)`; resolves to whether it resized, never rejects. */
export async function resizeIfShown<E>(plotly: PlotResizer<E>, el: E, shown: (el: E) => boolean): Promise<boolean> {
  try {
    if (!shown(el)) return false;
    await plotly.Plots.resize(el);
    return true;
  } catch {
    return false;
  }
}

/** Whether an element is displayed: in the document, and with a box (display: none anywhere above leaves it none). */
export function displayed(el: { isConnected: boolean; getClientRects(): { length: number } }): boolean {
  return el.isConnected && el.getClientRects().length > 0;
}
