/**
 * Small form controls bound to model traits: a change in the control sets the trait and syncs it to
 * the kernel (which may recompute), a change of the trait from the kernel updates the control. Each
 * control carries data-trait so tests and users' scripts can find it.
 */
import type { WidgetModel } from '@jupyter-widgets/base';

/** Anything with listenTo, i.e. the view (so listeners go away with it). */
export interface Listener {
  listenTo(obj: WidgetModel, name: string, callback: () => void): unknown;
}

function field(labelText: string, input: HTMLElement, trait: string): HTMLLabelElement {
  const label = document.createElement('label');
  label.className = 'ntk-control';
  label.dataset.trait = trait;
  const span = document.createElement('span');
  span.textContent = labelText;
  label.append(span, input);
  return label;
}

function commit(model: WidgetModel, trait: string, value: unknown): void {
  model.set(trait, value);
  model.save_changes();
}

/** A number input; `integer` rounds; values outside [min, max] are clamped before they are sent. */
export function numberControl(view: Listener, model: WidgetModel, trait: string, text: string, opts: { min?: number; max?: number; step?: number; integer?: boolean } = {}): HTMLElement {
  const input = document.createElement('input');
  input.type = 'number';
  if (opts.min !== undefined) input.min = String(opts.min);
  if (opts.max !== undefined) input.max = String(opts.max);
  input.step = String(opts.step ?? (opts.integer ? 1 : 'any'));
  const show = (): void => void (input.value = String(model.get(trait) ?? ''));
  show();
  input.addEventListener('change', () => {
    let v = Number(input.value);
    if (!Number.isFinite(v)) return show();
    if (opts.integer) v = Math.round(v);
    if (opts.min !== undefined) v = Math.max(opts.min, v);
    if (opts.max !== undefined) v = Math.min(opts.max, v);
    commit(model, trait, v);
    show();
  });
  view.listenTo(model, `change:${trait}`, show);
  return field(text, input, trait);
}

/** A slider over log10 of a positive trait (ridge penalties span decades), with the value beside it. */
export function logSliderControl(view: Listener, model: WidgetModel, trait: string, text: string, opts: { minExp: number; maxExp: number; step: number }): HTMLElement {
  const input = document.createElement('input');
  input.type = 'range';
  input.min = String(opts.minExp);
  input.max = String(opts.maxExp);
  input.step = String(opts.step);
  const out = document.createElement('output');
  const show = (): void => {
    const v = Number(model.get(trait));
    input.value = String(Math.log10(v));
    out.textContent = v.toExponential(1);
  };
  show();
  input.addEventListener('input', () => void (out.textContent = (10 ** Number(input.value)).toExponential(1)));
  // 'change' fires on release: one recomputation per move, not one per pixel dragged.
  input.addEventListener('change', () => commit(model, trait, Number((10 ** Number(input.value)).toPrecision(6))));
  view.listenTo(model, `change:${trait}`, show);
  const wrap = document.createElement('span');
  wrap.className = 'ntk-slider';
  wrap.append(input, out);
  return field(text, wrap, trait);
}

/** A checkbox for a boolean trait. */
export function checkboxControl(view: Listener, model: WidgetModel, trait: string, text: string): HTMLElement {
  const input = document.createElement('input');
  input.type = 'checkbox';
  const show = (): void => void (input.checked = model.get(trait) === true);
  show();
  input.addEventListener('change', () => commit(model, trait, input.checked));
  view.listenTo(model, `change:${trait}`, show);
  return field(text, input, trait);
}

/** A drop-down for a string trait; `options()` is re-read when `refreshOn` fires (options that arrive with data). */
export function selectControl(view: Listener, model: WidgetModel, trait: string, text: string, options: () => readonly string[], refreshOn: string[] = []): HTMLElement {
  const select = document.createElement('select');
  const show = (): void => {
    const opts = options();
    const current = model.get(trait) as string | null;
    if ([...select.options].map((o) => o.value).join('\n') !== opts.join('\n')) {
      select.replaceChildren(...opts.map((o) => Object.assign(document.createElement('option'), { value: o, textContent: o })));
    }
    select.value = current !== null && opts.includes(current) ? current : (opts[0] ?? '');
  };
  show();
  select.addEventListener('change', () => commit(model, trait, select.value));
  for (const ev of [`change:${trait}`, ...refreshOn]) view.listenTo(model, ev, show);
  return field(text, select, trait);
}

/** One checkbox per label, unchecked = listed in the array trait (e.g. kernels hidden from the plot). */
export function toggleListControl(view: Listener, model: WidgetModel, trait: string, text: string, labels: () => readonly string[], refreshOn: string[] = []): HTMLElement {
  const box = document.createElement('span');
  box.className = 'ntk-toggles';
  const show = (): void => {
    const hidden = new Set((model.get(trait) as string[] | null) ?? []);
    const want = labels();
    if ([...box.querySelectorAll('input')].map((i) => i.value).join('\n') !== want.join('\n')) {
      box.replaceChildren(
        ...want.map((l) => {
          const input = Object.assign(document.createElement('input'), { type: 'checkbox', value: l });
          input.addEventListener('change', () => {
            const now = new Set((model.get(trait) as string[] | null) ?? []);
            if (input.checked) now.delete(l);
            else now.add(l);
            commit(model, trait, [...now]);
          });
          const lab = document.createElement('label');
          lab.append(input, document.createTextNode(l));
          return lab;
        }),
      );
    }
    for (const input of box.querySelectorAll('input')) input.checked = !hidden.has(input.value);
  };
  show();
  for (const ev of [`change:${trait}`, ...refreshOn]) view.listenTo(model, ev, show);
  return field(text, box, trait);
}
