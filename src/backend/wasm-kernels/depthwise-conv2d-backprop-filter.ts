/**
 * DepthwiseConv2dNativeBackpropFilter for tfjs-backend-wasm (which has none in 4.22): the filter gradient of a
 * depthwise convolution, dW[ky, kx, c, m] = sum over examples and output positions of
 * x[b, oy sh - top + ky dh, ox sw - left + kx dw, c] dy[b, oy, ox, c M + m] (M = channel multiplier), NHWC, summed in
 * float64 as tfjs-backend-cpu does. Dilations are honoured (the cpu kernel ignores them; tfjs's depthwise gradient
 * refuses dilations > 1 before calling either). Cost: one multiply-add per forward multiply-add, no GEMM shape.
 */
import { backend_util, DepthwiseConv2dNativeBackpropFilter } from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ShapeError } from '../../errors';
import { depthwiseTaps } from './depthwise-taps';
import { checkOutputSize, expectShape, output, readFloat32, wasmHost } from './host';

const NAME = DepthwiseConv2dNativeBackpropFilter;

/** dW [fh, fw, cin, M] (float32) from x [n, h, w, cin] and dy [n, outH, outW, cin M]. */
export const depthwiseConv2dNativeBackpropFilter: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const host = wasmHost(NAME, backend);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  if (x.shape.length !== 4) throw new ShapeError(`${NAME}: x must be rank 4, got shape [${x.shape}]`);
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
  const { batchSize: n, inHeight: inH, inWidth: inW, inChannels: cin, outHeight: outH, outWidth: outW, outChannels: cout } = info;
  if (filterShape[2] !== cin) throw new ShapeError(`${NAME}: filterShape [${filterShape}] must have ${cin} input channels, as x [${x.shape}]`);
  expectShape(NAME, 'dy', dy.shape, [n, outH, outW, cout]);
  checkOutputSize(NAME, filterShape);
  const xs = readFloat32(NAME, 'x', host, x);
  const dys = readFloat32(NAME, 'dy', host, dy);
  const { filterHeight: kh, filterWidth: kw } = info;
  const M = cout / cin;
  const taps = depthwiseTaps(info);
  const acc = new Float64Array(kh * kw * cout); // [ky, kx, c, m] = [ky, kx, c M + m]: dy's channel order
  for (let b = 0; b < n; b++) {
    const dyB = b * outH * outW * cout;
    const xB = b * inH * inW * cin;
    for (let t = 0; t < taps.length; t += 3) {
      const dyOff = dyB + taps[t];
      const xOff = xB + taps[t + 1];
      const wOff = taps[t + 2];
      if (M === 1) {
        for (let c = 0; c < cin; c++) acc[wOff + c] += xs[xOff + c] * dys[dyOff + c];
      } else {
        for (let c = 0; c < cin; c++) {
          const xv = xs[xOff + c];
          const q0 = c * M;
          for (let m = 0; m < M; m++) acc[wOff + q0 + m] += xv * dys[dyOff + q0 + m];
        }
      }
    }
  }
  return output(host, [...filterShape], Float32Array.from(acc));
};

export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropFilter };
