/**
 * UnsortedSegmentSum for tfjs-backend-wasm (which has none in 4.22; tf.gather's gradient, hence Embedding's, needs it):
 * out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] = s, out [numSegments, ...x.shape[r:]] for segmentIds of
 * rank r matching x's leading dimensions (TensorFlow's rule; tfjs's gather gradient passes rank 1). Ids outside
 * [0, numSegments) are skipped, as tfjs-backend-cpu does. Sums in float64; float32 or int32 x, out of x's dtype.
 */
import { UnsortedSegmentSum } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { InvalidOptionError, ShapeError } from '../../errors';
import { checkOutputSize, output, wasmHost } from './host';

const NAME = UnsortedSegmentSum;

/** out [numSegments, ...x.shape[r:]] from x and int32 segmentIds (shape = x.shape[:r]). */
export const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }): TensorInfo => {
  const host = wasmHost(NAME, backend);
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  if (!Number.isInteger(numSegments) || numSegments < 0) throw new InvalidOptionError(`${NAME}: numSegments must be a non-negative integer, got ${numSegments}`);
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new ShapeError(`${NAME}: x must be float32 or int32, got ${x.dtype}`);
  if (segmentIds.dtype !== 'int32') throw new ShapeError(`${NAME}: segmentIds must be int32, got ${segmentIds.dtype}`);
  const r = segmentIds.shape.length;
  if (r > x.shape.length || segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new ShapeError(`${NAME}: segmentIds [${segmentIds.shape}] must match the leading dimensions of x [${x.shape}]`);
  }
  const inner = x.shape.slice(r);
  const shape = [numSegments, ...inner];
  checkOutputSize(NAME, shape);
  const width = inner.reduce((a, b) => a * b, 1);
  const ids = host.readSync(segmentIds.dataId) as Int32Array;
  const xs = host.readSync(x.dataId) as Float32Array | Int32Array;
  const acc = new Float64Array(numSegments * width);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * width;
    const dst = s * width;
    for (let j = 0; j < width; j++) acc[dst + j] += xs[src + j];
  }
  return output(host, shape, x.dtype === 'int32' ? Int32Array.from(acc) : Float32Array.from(acc));
};

export const unsortedSegmentSumConfig: KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: unsortedSegmentSum };
