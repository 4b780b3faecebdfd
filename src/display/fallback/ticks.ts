/** Axis scales and "nice" tick values for the static SVG figures. */

/** A linear or log map from data to pixels. */
export interface Scale {
  log: boolean;
  lo: number;
  hi: number;
  /** Pixel of `v` (NaN when v cannot be shown, e.g. <= 0 on a log axis). */
  px(v: number): number;
  ticks(): number[];
}

/** Ticks at 1, 2 or 5 times a power of ten, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** A scale from [lo, hi] (data) to [p0, p1] (pixels); log scales need lo > 0. */
export function scale(lo: number, hi: number, p0: number, p1: number, log: boolean): Scale {
  if (log) {
    const a = Math.log10(lo);
    const b = Math.log10(hi);
    const span = b - a || 1;
    return {
      log, lo, hi,
      px: (v) => (v > 0 ? p0 + ((Math.log10(v) - a) / span) * (p1 - p0) : NaN),
      ticks: () => {
        const out: number[] = [];
        for (let e = Math.ceil(a); e <= Math.floor(b); e++) out.push(10 ** e);
        return out.length >= 2 ? out : niceTicks(lo, hi).filter((v) => v > 0);
      },
    };
  }
  const span = hi - lo || 1;
  return { log, lo, hi, px: (v) => p0 + ((v - lo) / span) * (p1 - p0), ticks: () => niceTicks(lo, hi) };
}

/** Short label of a tick value. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}
