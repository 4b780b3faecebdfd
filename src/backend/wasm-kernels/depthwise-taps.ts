/**
 * The taps of a depthwise window, shared by the two depthwise gradient kernels: which input position each filter
 * tap of each output position reads, the padding's taps left out. The same for every example, so listed once.
 */
import type { backend_util } from '@tensorflow/tfjs-core';

/**
 * Triples (dy offset, x offset, filter offset) in floats within one example's dy [outH, outW, cout], x [inH, inW, cin]
 * and the filter [kh, kw, cout], in (oy, ox, ky, kx) order (the order the sums are taken in), taps in the padding left out.
 */
export function depthwiseTaps(info: backend_util.Conv2DInfo): Int32Array {
  const { inHeight: inH, inWidth: inW, inChannels: cin, outHeight: outH, outWidth: outW, outChannels: cout } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const taps = new Int32Array(3 * outH * outW * kh * kw);
  let t = 0;
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const dyOff = (oy * outW + ox) * cout;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - top + ky * dh;
        if (iy < 0 || iy >= inH) continue;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - left + kx * dw;
          if (ix < 0 || ix >= inW) continue;
          taps[t++] = dyOff;
          taps[t++] = (iy * inW + ix) * cin;
          taps[t++] = (ky * kw + kx) * cout;
        }
      }
    }
  }
  return taps.subarray(0, t);
}
