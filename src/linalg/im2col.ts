/**
 * Patches of a channels-last image (im2col), the copy that turns a convolution or its filter gradient into one
 * matrix product; used by the autodiff NTK's convolution ops and by the wasm backend's filter-gradient kernels. In C
 * through the linalg addon when it is loaded, else in TypeScript (the reference the addon is tested against). A band
 * of output rows oy0 .. oy0 + rows - 1 is the whole-image copy with the window shifted: padTop' = padTop - oy0 sh,
 * outH' = rows.
 */
import { active } from './backend';

/** A 2-D sliding window over [inH, inW, channels]: kernel kh x kw, strides sh, sw, dilations dh, dw, top/left pads, output outH x outW. */
export interface Window {
  inH: number;
  inW: number;
  channels: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/**
 * Patches of one example at x[offset ..]: out [outH outW, kh kw channels], column (ky, kx, c) as a kernel
 * [kh, kw, cin, cout]'s rows, zeros where the window hangs over the padding.
 */
export function im2col(w: Window, x: Float32Array, offset: number, out: Float32Array): void {
  const { addon } = active();
  // In C when the addon is loaded: the copy loop ran at ~190 ms of a ~660 ms CNN NTK (n = 500) in JavaScript.
  if (addon) addon.im2col(packWindow(w), x, offset, out, 0);
  else im2colTs(w, x, offset, out);
}

/** Patches of output rows oy0 .. oy0 + rows - 1 only: out from outOffset, [rows outW, kh kw channels] (a band of im2col's rows). */
export function im2colRows(w: Window, oy0: number, rows: number, x: Float32Array, offset: number, out: Float32Array, outOffset: number): void {
  const { addon } = active();
  const padTop = w.padTop - oy0 * w.sh;
  if (addon) addon.im2col(Int32Array.of(w.inH, w.inW, w.channels, w.kh, w.kw, w.sh, w.sw, w.dh, w.dw, padTop, w.padLeft, rows, w.outW), x, offset, out, outOffset);
  else copyPatches(w, padTop, rows, x, offset, out, outOffset);
}

const packedWindows = new WeakMap<Window, Int32Array>();

/** The window's numbers in the addon's order, as its im2col and direct convolution kernels take them (cached per window: im2col runs once per example). */
export function packWindow(w: Window): Int32Array {
  let p = packedWindows.get(w);
  if (!p) {
    p = Int32Array.of(w.inH, w.inW, w.channels, w.kh, w.kw, w.sh, w.sw, w.dh, w.dw, w.padTop, w.padLeft, w.outH, w.outW);
    packedWindows.set(w, p);
  }
  return p;
}

/** im2col in TypeScript (no addon), the reference of the addon's copy (test/ntk/elementwise.test.ts). */
export function im2colTs(w: Window, x: Float32Array, offset: number, out: Float32Array): void {
  copyPatches(w, w.padTop, w.outH, x, offset, out, 0);
}

/** The TypeScript copy of outH output rows with top pad padTop (a band's shifted window), into out from o. */
function copyPatches(w: Window, padTop: number, outH: number, x: Float32Array, offset: number, out: Float32Array, o: number): void {
  const { inH, inW, channels: c, kh, kw, sh, sw, dh, dw, padLeft, outW } = w;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const ix0 = ox * sw - padLeft;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - padTop + ky * dh;
        if (iy < 0 || iy >= inH) {
          out.fill(0, o, o + kw * c);
          o += kw * c;
          continue;
        }
        const row = offset + iy * inW * c;
        if (dw === 1 && ix0 >= 0 && ix0 + kw <= inW) {
          const src = row + ix0 * c;
          const len = kw * c;
          // A memcpy (set of a view) beats an element loop ~3x from a few dozen values on.
          if (len >= 32) out.set(x.subarray(src, src + len), o);
          else for (let q = 0; q < len; q++) out[o + q] = x[src + q];
          o += len;
          continue;
        }
        for (let kx = 0; kx < kw; kx++) {
          const ix = ix0 + kx * dw;
          if (ix < 0 || ix >= inW) {
            for (let ch = 0; ch < c; ch++) out[o + ch] = 0;
          } else {
            const src = row + ix * c;
            if (c >= 32) out.set(x.subarray(src, src + c), o);
            else for (let ch = 0; ch < c; ch++) out[o + ch] = x[src + ch];
          }
          o += c;
        }
      }
    }
  }
}
