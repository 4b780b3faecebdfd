/**
 * How to bring a drawn figure up to date: nothing, extend its traces (Plotly.extendTraces: only the new
 * points cross into Plotly, as when eigenvalues or sweep points are appended in order), or a full
 * Plotly.react (anything else: new traces, changed layout or styles, data that changed in place).
 */
import type { Figure, Numbers, Trace } from './types';

/** The update to apply. */
export type UpdatePlan =
  | { kind: 'none' }
  | { kind: 'react' }
  | { kind: 'extend'; indices: number[]; x: Numbers[]; y: Numbers[] };

function withoutData(t: Trace): string {
  const { x: _x, y: _y, z: _z, width: _w, ...rest } = t;
  return JSON.stringify(rest);
}

function prefixOf(a: Numbers | undefined, b: Numbers | undefined): boolean {
  if (!a || !b || a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function sameValues(a: Numbers | undefined, b: Numbers | undefined): boolean {
  if (a === b) return true;
  return !!a && !!b && a.length === b.length && prefixOf(a, b);
}

/** Compares the figure drawn (`prev`) with the wanted one (`next`). */
export function planUpdate(prev: Figure | undefined, next: Figure): UpdatePlan {
  if (!prev || prev.data.length !== next.data.length) return { kind: 'react' };
  if (JSON.stringify(prev.layout) !== JSON.stringify(next.layout)) return { kind: 'react' };
  const plan = { kind: 'extend' as const, indices: [] as number[], x: [] as Numbers[], y: [] as Numbers[] };
  for (let i = 0; i < next.data.length; i++) {
    const a = prev.data[i];
    const b = next.data[i];
    if (a.type !== b.type || a.type === 'heatmap' || a.type === 'bar' || withoutData(a) !== withoutData(b)) {
      if (a.type === b.type && sameValues(a.x, b.x) && sameValues(a.y, b.y) && a.z === b.z && withoutData(a) === withoutData(b)) continue;
      return { kind: 'react' };
    }
    const n = a.x?.length ?? 0;
    if ((a.y?.length ?? 0) !== n || (b.y?.length ?? 0) !== (b.x?.length ?? 0)) return { kind: 'react' };
    if (!prefixOf(a.x, b.x) || !prefixOf(a.y, b.y)) return { kind: 'react' };
    const m = b.x?.length ?? 0;
    if (m === n) continue;
    plan.indices.push(i);
    plan.x.push(Array.from((b.x as Numbers).slice(n)));
    plan.y.push(Array.from((b.y as Numbers).slice(n)));
  }
  return plan.indices.length === 0 ? { kind: 'none' } : plan;
}
