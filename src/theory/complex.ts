/**
 * A minimal complex-number toolkit for the Stieltjes-transform solvers. Values are plain {re, im}
 * objects; the hot loops over atoms of a measure are written out in real arithmetic where they live.
 */

/** A complex number re + i im. */
export interface Complex {
  re: number;
  im: number;
}

/** re + i im. */
export function cx(re: number, im = 0): Complex {
  return { re, im };
}

/** a + b. */
export function add(a: Complex, b: Complex): Complex {
  return { re: a.re + b.re, im: a.im + b.im };
}

/** a - b. */
export function sub(a: Complex, b: Complex): Complex {
  return { re: a.re - b.re, im: a.im - b.im };
}

/** a * b. */
export function mul(a: Complex, b: Complex): Complex {
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}

/** s * a for a real s. */
export function scale(a: Complex, s: number): Complex {
  return { re: a.re * s, im: a.im * s };
}

/** a / b, scaled (Smith's algorithm) so that no intermediate overflows or underflows needlessly. */
export function div(a: Complex, b: Complex): Complex {
  if (Math.abs(b.re) >= Math.abs(b.im)) {
    const r = b.im / b.re;
    const d = b.re + b.im * r;
    return { re: (a.re + a.im * r) / d, im: (a.im - a.re * r) / d };
  }
  const r = b.re / b.im;
  const d = b.re * r + b.im;
  return { re: (a.re * r + a.im) / d, im: (a.im * r - a.re) / d };
}

/** 1 / a. */
export function inv(a: Complex): Complex {
  return div({ re: 1, im: 0 }, a);
}

/** |a|. */
export function abs(a: Complex): number {
  return Math.hypot(a.re, a.im);
}

/** Principal square root (branch cut on the negative real axis, Re >= 0). */
export function sqrt(a: Complex): Complex {
  const r = abs(a);
  if (r === 0) return { re: 0, im: 0 };
  const re = Math.sqrt((r + Math.abs(a.re)) / 2);
  if (a.re >= 0) return { re, im: a.im / (2 * re) };
  return { re: Math.abs(a.im) / (2 * re), im: a.im >= 0 ? re : -re };
}

/** True when both parts are finite. */
export function isFiniteComplex(a: Complex): boolean {
  return Number.isFinite(a.re) && Number.isFinite(a.im);
}
