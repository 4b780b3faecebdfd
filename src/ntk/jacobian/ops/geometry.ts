/**
 * Sliding-window geometry of convolutions and pooling on channels-last inputs, 1-D problems seen as 2-D with
 * height 1, and the col2im copy that adds patch cotangents back (im2col and the Window type are in
 * src/linalg/im2col.ts, shared with the wasm backend's filter gradients). Output sizes and paddings follow TensorFlow: 'valid' out = ceil((in - eff + 1) / s); 'same' out = ceil(in / s) with
 * floor(total / 2) padding before; 'causal' (Conv1D) pads eff - 1 before.
 */
import { UnsupportedModelError } from '../../../errors';
import type { Window } from '../../../linalg/im2col';

export type Padding = 'valid' | 'same' | 'causal';

function axis(size: number, k: number, s: number, d: number, padding: Padding, layer: string): [number, number] {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') {
    const out = Math.ceil((size - eff + 1) / s);
    if (out < 1) throw new UnsupportedModelError(`layer '${layer}': window ${eff} is larger than its input ${size}`);
    return [out, 0];
  }
  if (padding === 'causal') return [Math.ceil(size / s), eff - 1];
  const out = Math.ceil(size / s);
  const total = Math.max((out - 1) * s + eff - size, 0);
  return [out, Math.floor(total / 2)];
}

/** The window of a 2-D op on [inH, inW, channels] inputs (1-D: inH = kh = sh = dh = 1). */
export function makeWindow(p: {
  layer: string;
  inH: number;
  inW: number;
  channels: number;
  kernel: [number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: Padding;
}): Window {
  const [outH, padTop] = axis(p.inH, p.kernel[0], p.strides[0], p.dilation[0], p.padding, p.layer);
  const [outW, padLeft] = axis(p.inW, p.kernel[1], p.strides[1], p.dilation[1], p.padding, p.layer);
  return {
    inH: p.inH,
    inW: p.inW,
    channels: p.channels,
    kh: p.kernel[0],
    kw: p.kernel[1],
    sh: p.strides[0],
    sw: p.strides[1],
    dh: p.dilation[0],
    dw: p.dilation[1],
    padTop,
    padLeft,
    outH,
    outW,
  };
}

/** Adds patch cotangents cols [outH outW, kh kw channels] back onto one example's input cotangent (col2im). */
export function col2im(w: Window, cols: Float32Array, colsOffset: number, dx: Float32Array, offset: number): void {
  const { inH, inW, channels: c, kh, kw, sh, sw, dh, dw, padTop, padLeft, outH, outW } = w;
  let o = colsOffset;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const ix0 = ox * sw - padLeft;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - padTop + ky * dh;
        if (iy < 0 || iy >= inH) {
          o += kw * c;
          continue;
        }
        const row = offset + iy * inW * c;
        if (dw === 1 && ix0 >= 0 && ix0 + kw <= inW) {
          const dst = row + ix0 * c;
          const len = kw * c;
          for (let q = 0; q < len; q++) dx[dst + q] += cols[o + q];
          o += len;
          continue;
        }
        for (let kx = 0; kx < kw; kx++) {
          const ix = ix0 + kx * dw;
          if (ix >= 0 && ix < inW) {
            const dst = row + ix * c;
            for (let ch = 0; ch < c; ch++) dx[dst + ch] += cols[o + ch];
          }
          o += c;
        }
      }
    }
  }
}

/** The transposed convolution of a stride-1 window (null for strided ones, which use col2im). */
export function transposedWindow(w: Window, W: Float32Array, cout: number): { window: Window; Wflip: Float32Array } | null {
  if (w.sh !== 1 || w.sw !== 1) return null;
  const padTop = (w.kh - 1) * w.dh - w.padTop;
  const padLeft = (w.kw - 1) * w.dw - w.padLeft;
  if (padTop < 0 || padLeft < 0) return null;
  const window: Window = { ...w, inH: w.outH, inW: w.outW, channels: cout, padTop, padLeft, outH: w.inH, outW: w.inW };
  const cin = w.channels;
  const Wflip = new Float32Array(W.length);
  for (let ky = 0; ky < w.kh; ky++)
    for (let kx = 0; kx < w.kw; kx++)
      for (let ci = 0; ci < cin; ci++)
        for (let o = 0; o < cout; o++) {
          Wflip[(((w.kh - 1 - ky) * w.kw + (w.kw - 1 - kx)) * cout + o) * cin + ci] = W[((ky * w.kw + kx) * cin + ci) * cout + o];
        }
  return { window, Wflip };
}
