import type * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../data/types.js';

/** A model's serialised form: Keras-format topology and float32 weights, as tfjs saves them. */
export interface ModelArtifactsInMemory {
  /** Keras model config: `{ class_name, config }` (a Keras `model.json` wraps it in `model_config`). */
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

/** sha256 of a backbone's topology and of its weights: what lineage and caches key on. */
export interface BackboneFingerprint {
  topologySha256: string;
  weightsSha256: string;
}

/** A pretrained (or randomly initialised) CNN that surgery can cut, freeze and extend. */
export interface Backbone {
  /** Catalog id (`mobilenet_v2`) or a name derived from the source. */
  id: string;
  /** Display name, e.g. `MobileNetV2`. */
  name: string;
  /** Architecture family: mobilenet, inception, resnet, vgg, lenet, alexnet, googlenet, custom. */
  family: string;
  /** Where the weights came from: `npm:nsfwjs@4.4.0/mobilenet_v2`, a path, an URL. */
  sourceUri: string;
  /** True when the weights come from training (not random initialisation). */
  pretrained: boolean;
  artifacts: ModelArtifactsInMemory;
  /** The input the weights were trained at: [height, width, channels]. */
  inputShape: [number, number, number];
  preprocessing: Preprocessing;
  /** Default cut: the last layer of the feature extractor. */
  lastFeatureLayer: string;
  /** Layers that end each block, in order; used by `{ kind: 'allButLastBlocks' }`. */
  blockEnds: string[];
  /** Smallest input height/width the architecture accepts. */
  minInputSize: number;
  fingerprint: BackboneFingerprint;
  /** Layer names in topological order. */
  layerNames: string[];
}
