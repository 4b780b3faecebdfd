/**
 * Patches of a channels-last image (im2col), for a band of output rows: the convolution filter gradient is then one
 * matrix product. In C through the linalg addon when it is loaded (the same copy the autodiff NTK uses), else in
 * TypeScript. A band is the addon's whole-image copy with the window shifted: padTop' = padTop - oy0 sh, outH' = rows.
 */
import { active } from '../../linalg/backend';

/** A 2-D sliding window over [inH, inW, channels]: kernel kh x kw, strides sh, sw, dilations dh, dw, top/left pads. */
export interface PatchWindow {
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
 * Writes the patches of output rows oy0 .. oy0 + rows - 1 of the image at x[offset ..] into out from outOffset:
 * rows outW rows of kh kw channels values, column (ky, kx, c) (a [kh, kw, cin, cout] filter's row order), zeros
 * where the window hangs over the padding.
 */
export function patchRows(w: PatchWindow, oy0: number, rows: number, x: Float32Array, offset: number, out: Float32Array, outOffset: number): void {
  const { addon } = active();
  const padTop = w.padTop - oy0 * w.sh;
  if (addon) {
    addon.im2col(Int32Array.of(w.inH, w.inW, w.channels, w.kh, w.kw, w.sh, w.sw, w.dh, w.dw, padTop, w.padLeft, rows, w.outW), x, offset, out, outOffset);
    return;
  }
  const { inH, inW, channels: c, kh, kw, sh, sw, dh, dw, padLeft, outW } = w;
  let o = outOffset;
  for (let oy = 0; oy < rows; oy++) {
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
        for (let kx = 0; kx < kw; kx++) {
          const ix = ix0 + kx * dw;
          if (ix < 0 || ix >= inW) out.fill(0, o, o + c);
          else if (c >= 32) out.set(x.subarray(row + ix * c, row + (ix + 1) * c), o); // a memcpy beats the loop from a few dozen values
          else for (let ch = 0; ch < c; ch++) out[o + ch] = x[row + ix * c + ch];
          o += c;
        }
      }
    }
  }
}
