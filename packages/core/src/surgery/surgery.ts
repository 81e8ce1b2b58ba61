import * as tf from '@tensorflow/tfjs';
import type { Backbone } from '../backbones/types.js';
import { artifactsToModel, modelConfigOf } from '../backbones/artifacts.js';
import { InvalidSpecError, UnknownLayerError } from '../errors.js';
import { enforceBatchNormInference } from './batchNorm.js';
import type { FreezeSpec, HeadSpec, SurgerySpec } from './spec.js';

/** One layer of the model surgery produced. */
export interface LayerInfo {
  name: string;
  className: string;
  /** Output shape without the batch dimension. */
  outputShape: number[];
  params: number;
  trainable: boolean;
  origin: 'backbone' | 'head';
}

/** The model surgery built, and a description of every layer in it. */
export interface SurgeryResult {
  model: tf.LayersModel;
  inputShape: [number, number, number];
  cutAt: string;
  freeze: FreezeSpec;
  layers: LayerInfo[];
  /** Backbone layers (in the kept part) that are frozen / trainable; the input layer is in neither. */
  frozenLayers: string[];
  trainableLayers: string[];
  /** Backbone layers removed by the cut. */
  removedLayers: string[];
  headLayers: string[];
  /** Parameters that do not train (frozen weights and BatchNorm moving statistics) / that train. */
  frozenParams: number;
  trainableParams: number;
  /** BatchNormalization layers of the backbone put in permanent inference mode. */
  batchNormLayers: string[];
}

/** Arguments of {@link applySurgery}. */
export interface ApplySurgeryArgs {
  backbone: Backbone;
  spec: SurgerySpec;
  /** Seed of the head's initialisers; default 42. */
  seed?: number;
}

/**
 * Validates a SurgerySpec against a backbone without building anything heavy; throws the first
 * problem as a GraftError naming the field. `applySurgery` calls it first.
 */
export function validateSurgerySpec(backbone: Backbone, spec: SurgerySpec): void {
  const names = backbone.layerNames;
  const cutAt = spec.cutAt ?? backbone.lastFeatureLayer;
  if (!names.includes(cutAt))
    throw new UnknownLayerError(cutAt, backbone.id, names, 'surgery.cutAt');
  if (spec.inputShape !== undefined) validateInputShape(backbone, spec.inputShape);
  validateHead(spec.head);
  if (spec.freeze) resolveFreeze(backbone, cutAt, spec.freeze);
}

function validateInputShape(backbone: Backbone, shape: [number, number, number]): void {
  if (
    !Array.isArray(shape) ||
    shape.length !== 3 ||
    shape.some((d) => !Number.isInteger(d) || d < 1)
  ) {
    throw new InvalidSpecError(
      `inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(shape)}`,
      'surgery.inputShape',
    );
  }
  const [h, w, c] = shape;
  if (c !== backbone.inputShape[2]) {
    throw new InvalidSpecError(
      `inputShape has ${c} channel(s) but the first layer of ${backbone.id} was trained on ` +
        `${backbone.inputShape[2]}; keep ${backbone.inputShape[2]} (preprocessing converts your images)`,
      'surgery.inputShape',
    );
  }
  if (h < backbone.minInputSize || w < backbone.minInputSize) {
    throw new InvalidSpecError(
      `inputShape ${h}x${w} is below the minimum ${backbone.minInputSize}x${backbone.minInputSize} of ` +
        `${backbone.id}: its strided convolutions and poolings would shrink the feature map to nothing`,
      'surgery.inputShape',
    );
  }
}

function validateHead(head: HeadSpec | undefined): void {
  if (!head || !Array.isArray(head.classes) || head.classes.length < 2) {
    throw new InvalidSpecError('the head needs at least 2 classes', 'surgery.head.classes');
  }
  if (new Set(head.classes).size !== head.classes.length) {
    throw new InvalidSpecError('class names must be unique', 'surgery.head.classes');
  }
  if (head.pooling !== undefined && !['avg', 'max', 'flatten'].includes(head.pooling)) {
    throw new InvalidSpecError(
      `pooling must be avg, max or flatten, got '${head.pooling}'`,
      'surgery.head.pooling',
    );
  }
  const rates = [head.dropout ?? 0, ...(head.dense ?? []).map((d) => d.dropout ?? 0)];
  if (rates.some((r) => !(r >= 0 && r < 1))) {
    throw new InvalidSpecError('dropout rates must be in [0, 1)', 'surgery.head.dropout');
  }
  (head.dense ?? []).forEach((d, i) => {
    if (!Number.isInteger(d.units) || d.units < 1) {
      throw new InvalidSpecError(
        `dense[${i}].units must be a positive integer`,
        `surgery.head.dense.${i}.units`,
      );
    }
  });
}

/**
 * Resolves a FreezeSpec to the set of frozen backbone layers (within the part kept by the cut),
 * with errors that list the valid names.
 */
export function resolveFreeze(backbone: Backbone, cutAt: string, freeze: FreezeSpec): Set<string> {
  const cutPos = backbone.layerNames.indexOf(cutAt);
  if (cutPos < 0)
    throw new UnknownLayerError(cutAt, backbone.id, backbone.layerNames, 'surgery.cutAt');
  const kept = backbone.layerNames.slice(1, cutPos + 1); // without the input layer
  const field = 'surgery.freeze';
  const checkName = (name: string): void => {
    if (kept.includes(name)) return;
    if (backbone.layerNames.includes(name)) {
      throw new InvalidSpecError(
        `layer '${name}' comes after the cut at '${cutAt}' and is removed`,
        field,
      );
    }
    throw new UnknownLayerError(name, backbone.id, kept, field);
  };
  switch (freeze.kind) {
    case 'all':
      return new Set(kept);
    case 'upTo': {
      checkName(freeze.layer);
      return new Set(kept.slice(0, kept.indexOf(freeze.layer) + 1));
    }
    case 'allButLastBlocks': {
      const ends = backbone.blockEnds.filter((e) => kept.includes(e));
      if (ends[ends.length - 1] !== cutAt) ends.push(cutAt);
      const n = freeze.blocks;
      if (!Number.isInteger(n) || n < 0 || n > ends.length) {
        throw new InvalidSpecError(
          `blocks must be an integer from 0 to ${ends.length} (${backbone.id} cut at '${cutAt}' has ` +
            `${ends.length} blocks, ending at: ${ends.join(', ')})`,
          field,
        );
      }
      if (n === ends.length) return new Set();
      const lastFrozen = ends[ends.length - 1 - n]!;
      return new Set(kept.slice(0, kept.indexOf(lastFrozen) + 1));
    }
    case 'layers': {
      freeze.names.forEach(checkName);
      return new Set(freeze.names);
    }
    case 'pattern': {
      let re: RegExp;
      try {
        re = new RegExp(freeze.pattern);
      } catch (err) {
        throw new InvalidSpecError(`invalid pattern: ${(err as Error).message}`, field);
      }
      const matched = kept.filter((n) => re.test(n));
      if (matched.length === 0) {
        throw new InvalidSpecError(
          `pattern /${freeze.pattern}/ matches no layer of ${backbone.id} up to '${cutAt}'`,
          field,
        );
      }
      return new Set(matched);
    }
    default:
      throw new InvalidSpecError(
        `unknown freeze kind '${(freeze as { kind: string }).kind}'; use all, upTo, allButLastBlocks, layers or pattern`,
        field,
      );
  }
}

/**
 * The backbone's topology cut at `cutAt` (only its ancestors are kept) and, if asked, with a new input
 * shape. Cutting first matters: a classifier top whose weights depend on the input size (a Dense
 * after Flatten) is gone before the shape changes.
 */
function cutTopology(backbone: Backbone, cutAt: string, shape: [number, number, number]): unknown {
  const topology = structuredClone(backbone.artifacts.modelTopology) as Record<string, unknown>;
  const cfg = modelConfigOf(topology);
  const layers = cfg.config.layers;
  const nameOf = (l: (typeof layers)[number]): string => l.config.name ?? l.name ?? '';
  if (cfg.class_name === 'Sequential') {
    cfg.config.layers = layers.slice(0, layers.findIndex((l) => nameOf(l) === cutAt) + 1);
  } else {
    const byName = new Map(layers.map((l) => [nameOf(l), l]));
    const keep = new Set<string>();
    const stack = [cutAt];
    while (stack.length) {
      const name = stack.pop()!;
      if (keep.has(name)) continue;
      keep.add(name);
      for (const node of (byName.get(name)?.inbound_nodes ?? []) as unknown[][]) {
        for (const edge of node as unknown[]) stack.push((edge as [string])[0]);
      }
    }
    cfg.config.layers = layers.filter((l) => keep.has(nameOf(l)));
    cfg.config.output_layers = [[cutAt, 0, 0]];
  }
  const first = cfg.config.layers[0];
  if (!first) throw new InvalidSpecError(`${backbone.id} has no layers`, 'backbone');
  first.config.batch_input_shape = [null, ...shape];
  return topology;
}

/**
 * Builds the transfer model: the backbone (with a new input shape if asked, weights loaded by name),
 * cut at `cutAt`, with the requested layers frozen, BatchNorm in inference mode, and a new head.
 */
export async function applySurgery({
  backbone,
  spec,
  seed = 42,
}: ApplySurgeryArgs): Promise<SurgeryResult> {
  validateSurgerySpec(backbone, spec);
  const cutAt = spec.cutAt ?? backbone.lastFeatureLayer;
  const freeze = spec.freeze ?? { kind: 'all' };
  const inputShape = spec.inputShape ?? backbone.inputShape;
  const frozen = resolveFreeze(backbone, cutAt, freeze);

  let trunk: tf.LayersModel;
  try {
    // strict: false because the weights of layers removed by the cut are in the artifacts;
    // that every kept weight was loaded is checked right after.
    trunk = await artifactsToModel(
      {
        modelTopology: cutTopology(
          backbone,
          cutAt,
          inputShape,
        ) as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: backbone.artifacts.weightSpecs,
        weightData: backbone.artifacts.weightData,
      },
      { strict: false },
    );
  } catch (err) {
    throw new InvalidSpecError(
      `cannot rebuild ${backbone.id} at input ${inputShape.join('x')}: ${(err as Error).message}` +
        ` (a layer whose weights depend on the input size, like a Dense after Flatten, cannot take a new shape; cut before it)`,
      'surgery.inputShape',
    );
  }

  const saved = new Set(backbone.artifacts.weightSpecs.map((s) => s.name));
  const missing = trunk.weights
    .filter((w) => !saved.has(w.originalName))
    .map((w) => w.originalName);
  const features = trunk.outputs[0]!;
  const badDim = features.shape.slice(1).some((d) => d !== null && d < 1);
  if (missing.length || badDim) {
    trunk.dispose();
    throw new InvalidSpecError(
      missing.length
        ? `the weights of ${backbone.id} lack ${missing.join(', ')}`
        : `at input ${inputShape.join('x')} the output of '${cutAt}' is empty (${JSON.stringify(features.shape)})`,
      missing.length ? 'backbone' : 'surgery.inputShape',
    );
  }
  const keptNames = new Set(trunk.layers.map((l) => l.name));
  const removedLayers = backbone.layerNames.filter((n) => !keptNames.has(n));

  const { output, headLayers } = buildHead(features, spec.head, seed);
  const model = tf.model({
    inputs: trunk.inputs,
    outputs: output,
    name: `${backbone.id}_transfer`,
  });
  const batchNormLayers = trunk.layers.filter((l) => l.getClassName() === 'BatchNormalization');
  enforceBatchNormInference(batchNormLayers);
  setFrozen(model, frozen);

  return {
    model,
    inputShape: [...inputShape] as [number, number, number],
    cutAt,
    freeze,
    ...describe(model, new Set(headLayers)),
    removedLayers,
    headLayers,
    batchNormLayers: batchNormLayers.map((l) => l.name),
  };
}

function buildHead(
  features: tf.SymbolicTensor,
  head: HeadSpec,
  seed: number,
): { output: tf.SymbolicTensor; headLayers: string[] } {
  const names: string[] = [];
  const add = <L extends tf.layers.Layer>(layer: L): L => {
    names.push(layer.name);
    return layer;
  };
  let x = features;
  if (x.shape.length === 4) {
    const pooling = head.pooling ?? 'avg';
    const pool =
      pooling === 'avg'
        ? tf.layers.globalAveragePooling2d({ name: 'head_pool' })
        : pooling === 'max'
          ? tf.layers.globalMaxPooling2d({ name: 'head_pool' })
          : tf.layers.flatten({ name: 'head_flatten' });
    x = add(pool).apply(x) as tf.SymbolicTensor;
  } else if (x.shape.length !== 2) {
    x = add(tf.layers.flatten({ name: 'head_flatten' })).apply(x) as tf.SymbolicTensor;
  }
  (head.dense ?? []).forEach((d, i) => {
    x = add(
      tf.layers.dense({
        units: d.units,
        activation: d.activation ?? 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 + i }),
        name: `head_dense_${i + 1}`,
      }),
    ).apply(x) as tf.SymbolicTensor;
    if (d.dropout)
      x = add(tf.layers.dropout({ rate: d.dropout, name: `head_dropout_${i + 1}` })).apply(
        x,
      ) as tf.SymbolicTensor;
  });
  if (head.dropout)
    x = add(tf.layers.dropout({ rate: head.dropout, name: 'head_dropout' })).apply(
      x,
    ) as tf.SymbolicTensor;
  const out = add(
    tf.layers.dense({
      units: head.classes.length,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      name: 'head_predictions',
    }),
  ).apply(x) as tf.SymbolicTensor;
  return { output: out, headLayers: names };
}

/** Sets `trainable` on every backbone layer (head layers always train). Recompile/rebuild optimisers after. */
export function setFrozen(model: tf.LayersModel, frozen: ReadonlySet<string>): void {
  for (const layer of model.layers) {
    if (layer.name.startsWith('head_')) layer.trainable = true;
    else layer.trainable = !frozen.has(layer.name) && layer.getClassName() !== 'InputLayer';
  }
}

/** The layer table and the frozen/trainable totals of a model. */
export function describe(
  model: tf.LayersModel,
  headLayers: ReadonlySet<string>,
): Pick<
  SurgeryResult,
  'layers' | 'frozenLayers' | 'trainableLayers' | 'frozenParams' | 'trainableParams'
> {
  const layers: LayerInfo[] = model.layers.map((l) => {
    const shape = l.outputShape as (number | null)[] | (number | null)[][];
    const first = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
    return {
      name: l.name,
      className: l.getClassName(),
      outputShape: first.slice(1).map((d) => d ?? -1),
      params: l.countParams(),
      trainable: l.trainable && l.getClassName() !== 'InputLayer',
      origin: headLayers.has(l.name) ? 'head' : 'backbone',
    };
  });
  const backboneLayers = layers.filter(
    (l) => l.origin === 'backbone' && l.className !== 'InputLayer',
  );
  const size = (ws: tf.LayerVariable[]): number =>
    ws.reduce((s, w) => s + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  const trainableParams = size(model.trainableWeights);
  const frozenParams = size(model.weights) - trainableParams;
  return {
    layers,
    frozenLayers: backboneLayers.filter((l) => !l.trainable).map((l) => l.name),
    trainableLayers: backboneLayers.filter((l) => l.trainable).map((l) => l.name),
    frozenParams,
    trainableParams,
  };
}
