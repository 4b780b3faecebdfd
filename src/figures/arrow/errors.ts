/** Why a buffer could not become plot data; shown inside the widget, never thrown into the page. */
export class WidgetDataError extends Error {
  override readonly name = 'WidgetDataError';
}
