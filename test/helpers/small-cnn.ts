/** A small seeded CNN for the approximate-kernel tests: conv 3x3 (4 filters, relu) - flatten - dense on 6x6x1 inputs. */
import * as tfl from '@tensorflow/tfjs-layers';

/** conv3x3(4, relu)-flatten-dense(outputs) on [6, 6, 1] inputs, Glorot-normal kernels from seed and seed + 1. */
export function smallCnn(seed: number, outputs: number): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [6, 6, 1], kernelInitializer: tfl.initializers.glorotNormal({ seed }) }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: outputs, kernelInitializer: tfl.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
}
