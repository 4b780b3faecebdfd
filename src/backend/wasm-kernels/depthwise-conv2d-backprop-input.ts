/**
 * DepthwiseConv2dNativeBackpropInput for tfjs-backend-wasm (which has none in 4.22): the input gradient of a
 * depthwise convolution, dx[b, iy, ix, c] = sum over (oy, ox, ky, kx) with iy = oy sh - top + ky dh,
 * ix = ox sw - left + kx dw of sum_m dy[b, oy, ox, c M + m] w[ky, kx, c, m], NHWC, summed in float64 per example as
 * tfjs-backend-cpu does. Dilations are honoured (the cpu kernel ignores them; tfjs's gradient refuses > 1 anyway).
 */
import { backend_util, DepthwiseConv2dNativeBackpropInput } from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ShapeError } from '../../errors';
import { depthwiseTaps } from './depthwise-taps';
import { checkOutputSize, expectShape, output, readFloat32, wasmHost } from './host';

const NAME = DepthwiseConv2dNativeBackpropInput;

/** dx [n, h, w, cin] (float32, attrs.inputShape) from dy [n, outH, outW, cin M] and the filter [fh, fw, cin, M]. */
export const depthwiseConv2dNativeBackpropInput: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const host = wasmHost(NAME, backend);
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  if (inputShape.length !== 4) throw new ShapeError(`${NAME}: inputShape must have 4 entries, got [${inputShape}]`);
  if (filter.shape.length !== 4) throw new ShapeError(`${NAME}: filter must be rank 4, got shape [${filter.shape}]`);
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, true,
  );
  const { batchSize: n, inHeight: inH, inWidth: inW, inChannels: cin, outHeight: outH, outWidth: outW, outChannels: cout } = info;
  if (filter.shape[2] !== cin) throw new ShapeError(`${NAME}: filter [${filter.shape}] must have ${cin} input channels (inputShape [${inputShape}])`);
  expectShape(NAME, 'dy', dy.shape, [n, outH, outW, cout]);
  checkOutputSize(NAME, inputShape);
  const dys = readFloat32(NAME, 'dy', host, dy);
  const ws = readFloat32(NAME, 'filter', host, filter);
  const M = cout / cin;
  const taps = depthwiseTaps(info);
  const size = inH * inW * cin;
  const dx = new Float32Array(n * size);
  const acc = new Float64Array(size); // one example's sums
  for (let b = 0; b < n; b++) {
    acc.fill(0);
    const dyB = b * outH * outW * cout;
    for (let t = 0; t < taps.length; t += 3) {
      const dyOff = dyB + taps[t];
      const xOff = taps[t + 1];
      const wOff = taps[t + 2];
      if (M === 1) {
        for (let c = 0; c < cin; c++) acc[xOff + c] += dys[dyOff + c] * ws[wOff + c];
      } else {
        for (let c = 0; c < cin; c++) {
          const q0 = c * M;
          let s = 0;
          for (let m = 0; m < M; m++) s += dys[dyOff + q0 + m] * ws[wOff + q0 + m];
          acc[xOff + c] += s;
        }
      }
    }
    dx.set(acc, b * size);
  }
  return output(host, [...inputShape], dx);
};

export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropInput };
