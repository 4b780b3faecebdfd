/**
 * A dense layer with explicit forward multipliers, as a tfjs-layers Layer: z = wm * x W + bm * b, h = phi(z).
 * The NTK parameterisation needs the multiplier wm = sigma_w / sqrt(fan_in) in the forward pass (not in the
 * initialisation), which tf.layers.dense cannot express.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ActivationName, activation } from './activations';

/** Static description of one dense layer of an MLP. */
export interface DenseSpec {
  inDim: number;
  outDim: number;
  /** Forward multiplier of the weight matrix (sigma_w / sqrt(inDim) in the NTK parameterisation, 1 in the standard one). */
  weightMultiplier: number;
  /** Forward multiplier of the bias (sigma_b in the NTK parameterisation, 1 in the standard one). */
  biasMultiplier: number;
  bias: boolean;
  /** Activation applied to this layer's pre-activation ('linear' for the output layer). */
  activation: ActivationName;
  /**
   * Variance of the weight entries at initialisation (mlp: 1 in the NTK parameterisation, weightStd^2 / inDim in
   * the standard one). Only the infinite-width limits (ntk-lab/theory's ntkLimit, ...) read it; layers described
   * by hand may leave it out, and then have no limit.
   */
  weightVariance?: number;
  /** Variance of the bias entries at initialisation (mlp: 1 in the NTK parameterisation, biasStd^2 in the standard one). */
  biasVariance?: number;
}

interface ScaledDenseArgs {
  spec: DenseSpec;
  name?: string;
  inputShape?: number[];
}

/** tfjs-layers Layer computing phi(wm * x W + bm * b); weights are named 'kernel' and 'bias'. */
export class ScaledDense extends tfl.layers.Layer {
  static className = 'NtkLabScaledDense';
  readonly spec: DenseSpec;
  private kernel: tfl.LayerVariable | null = null;
  private biasVar: tfl.LayerVariable | null = null;

  constructor(args: ScaledDenseArgs) {
    super({ name: args.name, inputShape: args.inputShape });
    this.spec = { ...args.spec };
  }

  override build(): void {
    this.kernel = this.addWeight('kernel', [this.spec.inDim, this.spec.outDim], 'float32', tfl.initializers.zeros());
    if (this.spec.bias) this.biasVar = this.addWeight('bias', [this.spec.outDim], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0], this.spec.outDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (!this.kernel) throw new Error('ScaledDense: call before build');
      let z = tf.mul(tf.matMul(x as tf.Tensor2D, this.kernel.read() as tf.Tensor2D), this.spec.weightMultiplier);
      if (this.biasVar) z = tf.add(z, tf.mul(this.biasVar.read(), this.spec.biasMultiplier));
      return activation(this.spec.activation).tf(z);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), spec: { ...this.spec } };
  }
}

tf.serialization.registerClass(ScaledDense);
