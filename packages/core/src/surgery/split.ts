import * as tf from '@tensorflow/tfjs';
import { inboundLayersOf } from '../backbones/graph.js';

/** Layers that behave differently in training: never part of a cached prefix. */
const STOCHASTIC = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

/** A model split at its freeze boundary: `suffix(prefix(x))` computes the same as `model(x)`. */
export interface SplitModel {
  /** Frozen layers whose every ancestor is frozen, from the input to the boundary; null if none. */
  prefix: tf.LayersModel | null;
  /** The rest: inputs are the boundary tensors, output is the model's. Shares layers (and weights) with the model. */
  suffix: tf.LayersModel;
  /** Layers whose outputs cross the boundary, in the order of the suffix inputs (the input layer if the prefix is empty). */
  boundary: string[];
  /** Per-image shapes of the boundary tensors (without batch dimension). */
  boundaryShapes: number[][];
  /** Layer names in the prefix (input layer excluded). */
  prefixLayers: string[];
}

/**
 * Splits a single-input, single-output functional model where the frozen part ends.
 *
 * The prefix is the largest set of fixed layers (non-trainable, or parameter-free and deterministic,
 * like a pooling right after the frozen backbone) closed under "all inputs come from the prefix";
 * frozen layers downstream of a trainable one stay in the suffix (with trainable false). Fixed layers
 * are a function of the input alone, so the prefix can run once per image and be cached.
 */
export function splitAtFreezeBoundary(model: tf.LayersModel): SplitModel {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error('splitAtFreezeBoundary expects a single-input, single-output model');
  }
  const inputLayer = model.inputLayers[0]!;
  const inPrefix = new Set<tf.layers.Layer>([inputLayer]);
  for (const layer of model.layers) {
    if (layer === inputLayer) continue;
    const inbound = inboundLayersOf(layer);
    const fixed =
      !STOCHASTIC.has(layer.getClassName()) && (!layer.trainable || layer.countParams() === 0);
    if (fixed && inbound.length > 0 && inbound.every((l) => inPrefix.has(l))) {
      inPrefix.add(layer);
    }
  }
  const outputLayer = model.outputLayers[0]!;
  // A boundary layer: in the prefix, and consumed by a suffix layer (or the model output itself).
  const boundarySet = new Set<tf.layers.Layer>();
  for (const layer of model.layers) {
    if (inPrefix.has(layer)) continue;
    for (const src of inboundLayersOf(layer)) if (inPrefix.has(src)) boundarySet.add(src);
  }
  if (inPrefix.has(outputLayer)) boundarySet.add(outputLayer);
  const boundary = model.layers.filter((l) => boundarySet.has(l));
  // Layers re-applied by an earlier split have several nodes; the model's own graph is node 0.
  const outputOf = (l: tf.layers.Layer): tf.SymbolicTensor => l.inboundNodes[0]!.outputTensors[0]!;

  const prefixOnlyInput = inPrefix.size === 1;
  const prefix = prefixOnlyInput
    ? null
    : tf.model({
        inputs: model.inputs,
        outputs: boundary.map(outputOf),
        name: `${model.name}_frozen_prefix`,
      });

  // Re-apply the suffix layers on fresh inputs standing for the boundary tensors.
  const mapped = new Map<tf.SymbolicTensor, tf.SymbolicTensor>();
  const suffixInputs = boundary.map((l) => {
    const out = outputOf(l);
    const input = tf.input({ shape: out.shape.slice(1) as number[], name: `boundary_${l.name}` });
    mapped.set(out, input);
    return input;
  });
  for (const layer of model.layers) {
    if (inPrefix.has(layer)) continue;
    const node = layer.inboundNodes[0]!;
    const ins = node.inputTensors.map((t) => {
      const m = mapped.get(t);
      if (!m) throw new Error(`internal: tensor feeding '${layer.name}' not mapped`);
      return m;
    });
    const out = layer.apply(ins.length === 1 ? ins[0]! : ins, node.callArgs) as tf.SymbolicTensor;
    mapped.set(outputOf(layer), out);
  }
  const suffixOutput = mapped.get(outputOf(outputLayer))!;
  const suffix = tf.model({
    inputs: suffixInputs,
    outputs: suffixOutput,
    name: `${model.name}_trainable_suffix`,
  });

  return {
    prefix,
    suffix,
    boundary: boundary.map((l) => l.name),
    boundaryShapes: boundary.map((l) => outputOf(l).shape.slice(1) as number[]),
    prefixLayers: [...inPrefix].filter((l) => l !== inputLayer).map((l) => l.name),
  };
}
