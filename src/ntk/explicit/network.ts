/**
 * What the explicit method needs of a network: its dense layers (with forward multipliers and activations)
 * and their current weights. Built from an ntk-lab Mlp, or from a tf.Sequential of plain Dense layers.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { NonFiniteError, UnsupportedModelError } from '../../errors';
import { firstNonFinite } from '../input';
import { ACTIVATIONS, ActivationName, DenseSpec, LayerWeights, Mlp, asMlp } from '../../models';

/** An MLP as the explicit method sees it. */
export interface ExplicitNetwork {
  layers: readonly DenseSpec[];
  weights: LayerWeights[];
  description: string;
  /** Component labels in parameter order ('layer1/weight', ... for ntk-lab MLPs; '<layer name>/kernel', '<layer name>/bias' for a tf.Sequential, as the jacobian method names them). */
  labels: string[];
}

/** Any model the kernel functions accept. */
export type NtkModel = Mlp | tfl.LayersModel;

const WHY = 'the explicit method handles MLPs only (ntk-lab mlp()/twoLayer(), or a tf.Sequential of Dense layers); ' +
  "for other models use method: 'jacobian' (autodiff NTK, NTK engine part 2)";

/** Reads the layers and current weights of `model`, or throws UnsupportedModelError naming the autodiff method. */
export function explicitNetwork(model: NtkModel): ExplicitNetwork {
  const net = asMlp(model);
  let result: ExplicitNetwork;
  if (net) result = { layers: net.layers, weights: net.readWeights(), description: net.description, labels: net.paramLabels };
  else if (model instanceof tfl.LayersModel) result = fromDenseSequential(model);
  else throw new UnsupportedModelError(`not a model: ${WHY}`);
  // Weights can turn NaN after the model was built (a diverged training step): refuse them by name.
  result.weights.forEach((w, l) => {
    checkFinite(w.W, `layer${l + 1}/weight`);
    if (w.b) checkFinite(w.b, `layer${l + 1}/bias`);
  });
  return result;
}

const checked = new WeakSet<Float32Array>();

function checkFinite(values: Float32Array, label: string): void {
  if (checked.has(values)) return; // cached weight arrays (see Mlp.readWeights) are checked once
  const bad = firstNonFinite(values);
  if (bad >= 0) throw new NonFiniteError(`${label}: weight ${values[bad]} at index ${bad}`);
  checked.add(values);
}

function fromDenseSequential(model: tfl.LayersModel): ExplicitNetwork {
  if (!(model instanceof tfl.Sequential)) throw new UnsupportedModelError(`model '${model.name}' is not a Sequential: ${WHY}`);
  const layers: DenseSpec[] = [];
  const weights: LayerWeights[] = [];
  const labels: string[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Dense') throw new UnsupportedModelError(`layer '${layer.name}' is ${cls}: ${WHY}`);
    // A frozen layer has no trainable parameters, so it adds no NTK component; the explicit method assumes every weight does.
    if (!layer.trainable) throw new UnsupportedModelError(`layer '${layer.name}' is frozen (trainable = false): ${WHY}`);
    const config = layer.getConfig();
    const act = String(config.activation ?? 'linear');
    if (!(ACTIVATIONS as readonly string[]).includes(act) || act === 'gelu') {
      throw new UnsupportedModelError(`layer '${layer.name}' has activation '${act}', not one of the explicit method's: ${WHY}`);
    }
    const values = layer.getWeights();
    const W = values[0].dataSync() as Float32Array;
    const bias = values.length > 1 ? (values[1].dataSync() as Float32Array) : null;
    const [inDim, outDim] = values[0].shape as [number, number];
    layers.push({ inDim, outDim, weightMultiplier: 1, biasMultiplier: 1, bias: bias !== null, activation: act as ActivationName });
    weights.push({ W, b: bias });
    labels.push(`${layer.name}/kernel`);
    if (bias) labels.push(`${layer.name}/bias`);
  }
  if (layers.length === 0) throw new UnsupportedModelError(`model '${model.name}' has no layers: ${WHY}`);
  return { layers, weights, labels, description: `tf.Sequential '${model.name}' of ${layers.length} Dense layers (standard parameterisation)` };
}
