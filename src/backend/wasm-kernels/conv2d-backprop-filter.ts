/**
 * Conv2DBackpropFilter for tfjs-backend-wasm (which has none in 4.22): the filter gradient of a 2-D convolution,
 * dW[ky, kx, ci, co] = sum over examples and output positions of x[b, oy sh - top + ky, ox sw - left + kx, ci]
 * dy[b, oy, ox, co], tfjs-backend-cpu's semantics (dilation 1, as tfjs's conv2d gradient requires; 'same', 'valid',
 * a number or explicit pads; dimRoundingMode; NHWC or NCHW). Computed as im2col patches^T dy, one GEMM per band of
 * about PATCH_LIMITS.floats patch values (so the patch matrix of a large batch is never formed whole), the bands
 * summed in float64 as the cpu backend sums; the GEMM on OpenBLAS, else wasm's BatchMatMul, else TypeScript (./gemm).
 */
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { ShapeError } from '../../errors';
import { addProductTransA } from './gemm';
import { checkOutputSize, expectShape, output, readFloat32, wasmHost } from './host';
import { im2colRows, type Window } from '../../linalg/im2col';
import { toChannelsLast } from './layout';

/** Patch values (float32) one GEMM band holds at most: 4 MiB, a band of a few examples at MNIST-like sizes (measured: 2^18-2^20 fastest). */
export const PATCH_LIMITS = { floats: 2 ** 20 };

/** dW [fh, fw, cin, cout] (float32) from x [n, h, w, cin] (NCHW: [n, cin, h, w]) and dy [n, outH, outW, cout] (NCHW: [n, cout, outH, outW]). */
export const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const host = wasmHost(Conv2DBackpropFilter, backend);
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (x.shape.length !== 4) throw new ShapeError(`${Conv2DBackpropFilter}: x must be rank 4, got shape [${x.shape}]`);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, backend_util.convertConv2DDataFormat(dataFormat),
  );
  const { batchSize: n, inHeight: inH, inWidth: inW, inChannels: cin, outHeight: outH, outWidth: outW, outChannels: cout } = info;
  const nchw = info.dataFormat === 'channelsFirst';
  if (filterShape[2] !== cin) throw new ShapeError(`${Conv2DBackpropFilter}: filterShape [${filterShape}] must have ${cin} input channels, as x [${x.shape}] (${dataFormat})`);
  expectShape(Conv2DBackpropFilter, 'dy', dy.shape, nchw ? [n, cout, outH, outW] : [n, outH, outW, cout]);
  checkOutputSize(Conv2DBackpropFilter, filterShape);

  let xs = readFloat32(Conv2DBackpropFilter, 'x', host, x);
  let dys = readFloat32(Conv2DBackpropFilter, 'dy', host, dy);
  if (nchw) {
    xs = toChannelsLast(xs, n, cin, inH * inW);
    dys = toChannelsLast(dys, n, cout, outH * outW);
  }
  const w: Window = {
    inH, inW, channels: cin, kh: info.filterHeight, kw: info.filterWidth, sh: info.strideHeight, sw: info.strideWidth, dh: 1, dw: 1,
    padTop: info.padInfo.top, padLeft: info.padInfo.left, outH, outW,
  };
  const K = w.kh * w.kw * cin;
  const rowFloats = outW * K; // one output row's patches
  const units = n * outH; // output rows over the batch, in dy's row order
  const acc = new Float64Array(K * cout);
  if (rowFloats > 0 && units > 0 && cout > 0) {
    const band = Math.max(1, Math.min(units, Math.floor(PATCH_LIMITS.floats / rowFloats)));
    const patches = new Float32Array(band * rowFloats);
    const scratch = new Float32Array(K * cout);
    for (let u0 = 0; u0 < units; u0 += band) {
      const u1 = Math.min(units, u0 + band);
      for (let u = u0; u < u1; ) {
        const b = Math.floor(u / outH);
        const oy = u - b * outH;
        const rows = Math.min(outH - oy, u1 - u);
        im2colRows(w, oy, rows, xs, b * inH * inW * cin, patches, (u - u0) * rowFloats);
        u += rows;
      }
      const m = (u1 - u0) * outW; // positions in this band
      addProductTransA(host, acc, patches.subarray(0, m * K), dys.subarray(u0 * outW * cout, u1 * outW * cout), K, cout, m, scratch);
    }
  }
  return output(host, [...filterShape], Float32Array.from(acc));
};

export const conv2DBackpropFilterConfig: KernelConfig = { kernelName: Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter };
