/**
 * The tfjs kernels a layer's gradient needs, checked against the active backend before training: a gradient that
 * fails mid-backprop leaves tensors behind in tfjs, so a model that cannot train here is refused before its first
 * step. tfjs-backend-wasm 4.22 lacks Conv2DBackpropFilter, both depthwise gradients and UnsortedSegmentSum (gather's
 * gradient): ntk-lab provides them (src/backend/wasm-kernels), registered here too in case the wasm backend was set
 * up by tfjs directly rather than through ntk-lab, so convolutional and embedding models train on wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { registerWasmGradientKernels } from '../backend/wasm-kernels';
import { UnsupportedModelError } from '../errors';

/** Gradient kernels by Keras layer class (the weight gradient and, for layers below the first, the input gradient). */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  Conv1D: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  Conv2D: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  Conv2DTranspose: ['Conv2DBackpropFilter', 'Conv2D'],
  Conv3D: ['Conv3DBackpropFilterV2', 'Conv3DBackpropInputV2'],
  DepthwiseConv2D: ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
  SeparableConv2D: ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  MaxPooling2D: ['MaxPoolGrad'],
  AveragePooling2D: ['AvgPoolGrad'],
  Embedding: ['UnsortedSegmentSum'],
};

/** Throws UnsupportedModelError naming the layer and kernel when the active backend cannot differentiate `model`. */
export function checkGradientKernels(model: tfl.LayersModel): void {
  const backend = tf.getBackend();
  if (!backend) return;
  if (backend === 'wasm') registerWasmGradientKernels();
  for (const layer of model.layers) {
    for (const kernel of NEEDS[layer.getClassName()] ?? []) {
      if (!tf.getKernel(kernel, backend)) {
        throw new UnsupportedModelError(
          `train: the tfjs '${backend}' backend cannot compute the gradient of layer '${layer.name}' (${layer.getClassName()}): it has no '${kernel}' kernel; ` +
            `train on another backend (NTK_BACKEND=cpu or node, or useBackend('cpu')); its kernels can be computed on any backend`,
        );
      }
    }
  }
}
