/**
 * A tf.LayersModel (Sequential or functional, nested models included) as the engine's graph: ops in
 * topological order over numbered tensors. Built from the model's own node structure, so any wiring tfjs can
 * express (branches, merges) is followed; shapes are the model's static per-example shapes.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { UnsupportedModelError } from '../../errors';
import { layerOps } from './layers';
import { Op, ParamInfo, sizeOf } from './ops/types';

/** One op applied to numbered tensors. */
export interface GraphNode {
  op: Op;
  inputs: number[];
  output: number;
}

export interface Graph {
  nodes: GraphNode[];
  /** Tensor number of the model input (0) and of its output. */
  input: number;
  output: number;
  /** Per-example input shape, e.g. [28, 28, 1]. */
  inputShape: number[];
  /** Number of outputs k (the output's per-example size). */
  k: number;
  /** Trainable parameter tensors in forward order. */
  params: ParamInfo[];
  /** For messages and provenance. */
  description: string;
}

interface SymbolicLike {
  id: number;
  shape: (number | null)[];
}

interface NodeLike {
  inputTensors: SymbolicLike[];
  outputTensors: SymbolicLike[];
}

function perExample(t: SymbolicLike, model: tfl.LayersModel): number[] {
  const shape = t.shape.slice(1);
  if (shape.some((d) => d === null || d === undefined)) {
    throw new UnsupportedModelError(`model '${model.name}': a tensor has an unknown dimension (shape [${t.shape.join(', ')}]); give the inputs a fixed shape`);
  }
  return shape as number[];
}

/** Appends the nodes of `model` applied to tensors `inputs`; returns the tensor numbers of its outputs. */
function walk(model: tfl.LayersModel, inputs: number[], nodes: GraphNode[], counter: { next: number }, usedLayers: Set<tfl.layers.Layer>, shapes: Map<number, number[]>): number[] {
  const ids = new Map<number, number>();
  model.inputs.forEach((t, j) => ids.set(t.id, inputs[j]));
  const own = (model as unknown as { containerNodes?: Set<string> }).containerNodes;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const inbound = (layer as unknown as { inboundNodes: NodeLike[] }).inboundNodes;
    inbound.forEach((node, index) => {
      if (own && own.size > 0 && !own.has(`${layer.name}_ib-${index}`)) return;
      if (!node.inputTensors.every((t) => ids.has(t.id))) return;
      const ins = node.inputTensors.map((t) => ids.get(t.id)!);
      if (layer instanceof tfl.LayersModel) {
        const outs = walk(layer, ins, nodes, counter, usedLayers, shapes);
        node.outputTensors.forEach((t, j) => ids.set(t.id, outs[j]));
        return;
      }
      if (node.outputTensors.length !== 1) throw new UnsupportedModelError(`layer '${layer.name}' has ${node.outputTensors.length} outputs; the jacobian method follows single-output layers`);
      if (usedLayers.has(layer) && layer.trainableWeights.length) {
        throw new UnsupportedModelError(`layer '${layer.name}' is applied more than once: shared trainable weights are not supported by the jacobian method`);
      }
      usedLayers.add(layer);
      // Shapes come from the ops themselves: tfjs' static inference is wrong for some layers (Conv1D 'causal').
      const inShapes = ins.map((i) => shapes.get(i)!);
      const outShape = perExample(node.outputTensors[0], model);
      let prev = ins;
      for (const op of layerOps(layer, inShapes, outShape)) {
        const out = counter.next++;
        nodes.push({ op, inputs: prev, output: out });
        shapes.set(out, [...op.outShape]);
        prev = [out];
      }
      // A layer may translate to no op (a linear Activation): its output is its input.
      ids.set(node.outputTensors[0].id, prev[0]);
    });
  }
  return model.outputs.map((t) => {
    const id = ids.get(t.id);
    if (id === undefined) throw new UnsupportedModelError(`model '${model.name}': output '${String((t as unknown as { name?: string }).name)}' is not reachable from its inputs`);
    return id;
  });
}

/** The graph of a single-input, single-output tf.LayersModel; UnsupportedModelError if it has no trainable weights. */
export function buildGraph(model: tfl.LayersModel): Graph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UnsupportedModelError(`model '${model.name}' has ${model.inputs.length} inputs and ${model.outputs.length} outputs; the jacobian method takes one of each`);
  }
  const nodes: GraphNode[] = [];
  const shapes = new Map<number, number[]>([[0, perExample(model.inputs[0], model)]]);
  const [output] = walk(model, [0], nodes, { next: 1 }, new Set(), shapes);
  const params = nodes.flatMap((n) => n.op.params);
  if (params.length === 0) throw new UnsupportedModelError(`model '${model.name}' has no trainable weights: its NTK is zero`);
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p.label)) throw new UnsupportedModelError(`model '${model.name}': two parameter tensors are labelled '${p.label}'`);
    seen.add(p.label);
  }
  const inputShape = perExample(model.inputs[0], model);
  const outShape = shapes.get(output)!;
  const P = params.reduce((s, p) => s + p.size, 0);
  return {
    nodes,
    input: 0,
    output,
    inputShape,
    k: sizeOf(outShape),
    params,
    description: `tf.LayersModel '${model.name}' (${model.layers.length} layers, ${P} trainable parameters in ${params.length} tensors)`,
  };
}
