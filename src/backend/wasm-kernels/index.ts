/**
 * The gradient kernels tfjs-backend-wasm 4.22 lacks, provided by ntk-lab so that models train on wasm: the filter
 * gradient of Conv1D/Conv2D/SeparableConv2D/Conv2DTranspose (Conv2DBackpropFilter, on OpenBLAS's sgemm), both
 * gradients of depthwise convolutions, and UnsortedSegmentSum (the gradient of gather: Embedding). Registered once,
 * when ntk-lab initialises the wasm backend (src/backend) and before train() checks a model; a kernel tfjs-wasm
 * provides itself (a later tfjs) is never replaced. The math is tfjs-backend-cpu's, on the host through the wasm
 * backend's readSync/makeOutput (one file per kernel). Besides, BatchMatMul is wrapped to run on OpenBLAS while the
 * linalg addon is loaded (registerWasmBlasKernels; wasm's own runs everything else).
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchMatMul } from '@tensorflow/tfjs-core';
import { batchMatMulConfig } from './batch-matmul';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-conv2d-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-conv2d-backprop-input';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

const KERNELS: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
];

/** The tfjs kernel names ntk-lab provides for the 'wasm' backend. */
export const WASM_GRADIENT_KERNELS: readonly string[] = KERNELS.map((k) => k.kernelName);

/** Registers for 'wasm' each of WASM_GRADIENT_KERNELS that is not registered yet; returns the names this call registered. */
export function registerWasmGradientKernels(): string[] {
  const added: string[] = [];
  for (const config of KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm')) continue;
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  return added;
}

/** Kernel functions this module installed (so that a second call does not wrap its own wrapper). */
const installed = new WeakSet<tf.KernelFunc>();

/**
 * Wraps wasm's BatchMatMul so that float32 products run on OpenBLAS through the addon (./batch-matmul.ts), keeping
 * wasm's setup/dispose and falling back to its kernel per call; true when this call installed it.
 */
export function registerWasmBlasKernels(): boolean {
  const original = tf.getKernel(BatchMatMul, 'wasm');
  if (!original || installed.has(original.kernelFunc)) return false;
  const config = batchMatMulConfig(original);
  installed.add(config.kernelFunc);
  tf.unregisterKernel(BatchMatMul, 'wasm');
  tf.registerKernel(config);
  return true;
}
