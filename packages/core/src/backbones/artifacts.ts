import * as tf from '@tensorflow/tfjs';
import { sha256, sha256Chunks } from '../util/hash.js';
import type { BackboneFingerprint, ModelArtifactsInMemory } from './types.js';

/** Serialises a LayersModel to topology + float32 weights, the way `model.save` does. */
export async function modelToArtifacts(model: tf.LayersModel): Promise<ModelArtifactsInMemory> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.modelTopology || !saved.weightSpecs || !saved.weightData) {
    throw new Error('model.save produced no topology or weights');
  }
  return {
    modelTopology: saved.modelTopology,
    weightSpecs: saved.weightSpecs,
    weightData: tf.io.concatenateArrayBuffers(
      Array.isArray(saved.weightData) ? saved.weightData : [saved.weightData],
    ),
  };
}

/** Builds a LayersModel from artifacts (weights are copied, the artifacts stay usable). */
export function artifactsToModel(
  artifacts: ModelArtifactsInMemory,
  options: { strict?: boolean } = {},
): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    skipInitializers(
      tf.io.fromMemory({
        modelTopology: artifacts.modelTopology,
        weightSpecs: artifacts.weightSpecs,
        weightData: artifacts.weightData,
      }),
    ),
    options,
  );
}

/**
 * Wraps a loading IOHandler so that the model is built with zero initialisers. tfjs builds every
 * layer (running its random initialisers) before it overwrites the weights with the loaded ones;
 * for InceptionV3's 22M parameters that alone takes tens of seconds on the cpu backend.
 */
export function skipInitializers(handler: tf.io.IOHandler): tf.io.IOHandler {
  return {
    load: async () => {
      const artifacts = await handler.load!();
      return {
        ...artifacts,
        modelTopology: zeroInitializers(
          artifacts.modelTopology,
        ) as tf.io.ModelArtifacts['modelTopology'],
      };
    },
  };
}

function zeroInitializers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(zeroInitializers);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        k.endsWith('_initializer') && v ? { class_name: 'Zeros', config: {} } : zeroInitializers(v),
      ]),
    );
  }
  return value;
}

/** The `{ class_name, config }` model config, whether or not wrapped in a Keras `model_config`. */
export function modelConfigOf(topology: unknown): { class_name: string; config: KerasModelConfig } {
  const t = topology as { model_config?: unknown; class_name?: string };
  const cfg = (t.model_config ?? t) as { class_name: string; config: KerasModelConfig };
  if (!cfg || typeof cfg !== 'object' || !cfg.config) throw new Error('not a Keras model topology');
  return cfg;
}

/** The parts of a Keras model config Graft reads. */
export interface KerasModelConfig {
  name?: string;
  layers: KerasLayerConfig[];
  input_layers?: unknown[];
  output_layers?: unknown[];
}

export interface KerasLayerConfig {
  class_name: string;
  name?: string;
  config: { name: string; batch_input_shape?: (number | null)[]; [k: string]: unknown };
  inbound_nodes?: unknown[];
}

/** Layer names of a topology, in its (topological) order. */
export function layerNamesOf(topology: unknown): string[] {
  return modelConfigOf(topology).config.layers.map((l) => l.config.name ?? l.name ?? '');
}

/** Stable JSON: object keys sorted, so that equal topologies hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** Config keys that do not change what a model computes once its weights exist. */
const NON_FUNCTIONAL_KEYS = /(_initializer|^trainable)$/;

function withoutNonFunctionalKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNonFunctionalKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([k]) => !NON_FUNCTIONAL_KEYS.test(k))
        .map(([k, v]) => [k, withoutNonFunctionalKeys(v)]),
    );
  }
  return value;
}

/**
 * sha256 of the topology (the model config, without Keras/tfjs version stamps, initialisers and
 * trainable flags, which do not change what the model computes) and of the weights (names,
 * shapes, dtypes and bytes, in manifest order).
 */
export function fingerprintArtifacts(artifacts: ModelArtifactsInMemory): BackboneFingerprint {
  const topologySha256 = sha256(
    canonicalJson(withoutNonFunctionalKeys(modelConfigOf(artifacts.modelTopology))),
  );
  const weightsSha256 = sha256Chunks([
    canonicalJson(
      artifacts.weightSpecs.map((s) => ({ name: s.name, shape: s.shape, dtype: s.dtype })),
    ),
    new Uint8Array(artifacts.weightData),
  ]);
  return { topologySha256, weightsSha256 };
}
