import type { Evaluation } from '../evaluation/metrics.js';

/**
 * The lineage of one training run: everything needed to reproduce it and to compare it with
 * another run (see ARCHITECTURE.md, "Lineage: what a run records"). Plain JSON: the API stores
 * it as a JSON column and the console renders it. `lineage.schema.json` (from `schema.ts`)
 * describes the same shape; `validateLineageRecord` checks a value against it.
 *
 * Numbers are finite (JSON has no NaN): a metric that is not finite is recorded as `null`
 * where the type allows it.
 */
export interface LineageRecord {
  /** Version of this format. A breaking change bumps it; readers switch on it. */
  schemaVersion: typeof LINEAGE_SCHEMA_VERSION;
  backbone: LineageBackbone;
  surgery: LineageSurgery;
  training: LineageTraining;
  data: LineageData;
  results: LineageResults;
  /** Files of the trained model (`model.json` first, then weights), as stored. */
  artifacts: LineageArtifact[];
  /** The registered model version this run fine-tuned, or `null` when it started from a backbone. */
  parent: LineageParent | null;
  /** When the run started, ISO 8601 with time zone (`new Date().toISOString()`). */
  createdAt: string;
  /** Wall-clock duration of the whole run, in seconds. */
  durationSeconds: number;
}

/** Current {@link LineageRecord.schemaVersion}. */
export const LINEAGE_SCHEMA_VERSION = 1;

/** The pretrained network the run started from. */
export interface LineageBackbone {
  /** Catalog id (`mobilenet_v2`) or a name derived from the source. */
  id: string;
  /** Display name, e.g. `MobileNetV2`. */
  name: string;
  /** Architecture family: mobilenet, inception, resnet, vgg, lenet, alexnet, googlenet, custom. */
  family: string;
  /** Where the weights came from: `npm:nsfwjs@4.4.0/mobilenet_v2`, a path, an URL, an s3 URI. */
  sourceUri: string;
  /** Hex sha256 of the topology (model config only). */
  topologySha256: string;
  /** Hex sha256 of the weights (names, shapes, dtypes and bytes). */
  weightsSha256: string;
  /** The input the weights were trained at: [height, width, channels]. */
  inputShape: [number, number, number];
  preprocessing: LineagePreprocessing;
}

/** Pixel mapping `x * scale + offset` the backbone's weights expect (part of its identity). */
export interface LineagePreprocessing {
  scale: number;
  offset: number;
  /** Channels the backbone expects; grayscale images are repeated to 3 channels when 3. */
  channels: 1 | 3;
}

/**
 * Which backbone layers to freeze, as the user asked for it (the resolved list is
 * {@link LineageSurgery.frozenLayers}):
 * - `all`: every backbone layer up to the cut (feature extraction);
 * - `upTo`: layers up to and including `layer`;
 * - `allButLastBlocks`: everything except the last `blocks` blocks of the architecture;
 * - `layers`: exactly these layer names;
 * - `pattern`: layers whose name matches the regular expression `pattern`.
 */
export type FreezeRequest =
  | { kind: 'all' }
  | { kind: 'upTo'; layer: string }
  | { kind: 'allButLastBlocks'; blocks: number }
  | { kind: 'layers'; names: string[] }
  | { kind: 'pattern'; pattern: string };

/** How the features are reduced to a vector before the dense head. */
export type LineageHeadPooling = 'avg' | 'max' | 'flatten';

/** One hidden dense layer of the head (the softmax output layer is implied by `classes`). */
export interface LineageHeadDense {
  units: number;
  /** Keras activation name, e.g. `relu`. */
  activation: string;
  /** Dropout rate applied after this layer, in [0, 1); 0 for none. */
  dropout: number;
}

/** The new classification head put on top of the cut backbone. */
export interface LineageHead {
  pooling: LineageHeadPooling;
  /** Hidden dense layers, input to output; may be empty (pooling then softmax). */
  dense: LineageHeadDense[];
  /** Dropout rate before the softmax layer, in [0, 1); 0 for none. */
  dropout: number;
  /** Output classes, in output-unit order. */
  classes: string[];
}

/** What was done to the backbone before training. */
export interface LineageSurgery {
  /** Input shape of the new model: [height, width, channels]. */
  inputShape: [number, number, number];
  /** Name of the last backbone layer kept. */
  cutAt: string;
  /** The freeze request as given. */
  freeze: FreezeRequest;
  /** Backbone layers frozen, resolved from `freeze`, in topological order. */
  frozenLayers: string[];
  /** Layers trainable at the end of the run (unfrozen backbone layers and the head). */
  trainableLayers: string[];
  /** Parameters in frozen layers (including BatchNorm moving statistics). */
  frozenParams: number;
  /** Parameters updated by training. */
  trainableParams: number;
  head: LineageHead;
  /** Frozen BatchNormalization layers always run in inference mode (the Keras fine-tuning rule). */
  batchNormMode: 'inference';
}

/** `feature-extraction`: only the head trains. `fine-tuning`: top backbone blocks train too. */
export type LineageTrainingMode = 'feature-extraction' | 'fine-tuning';

/** One phase of training (e.g. `head` then `fine-tune`), each with its own optimizer settings. */
export interface LineagePhase {
  name: string;
  /** Epochs requested. */
  epochs: number;
  /** Epochs actually run (fewer when early stopping triggered). */
  epochsRun: number;
  /** Optimizer name, e.g. `adam`, `sgd`. */
  optimizer: string;
  learningRate: number;
  /** Layers trainable during this phase. */
  trainableLayers: string[];
  earlyStopped: boolean;
  /** Layers whose outputs crossed the freeze boundary (what was cached); the input layer when nothing was frozen. */
  boundary: string[];
  /** Backends of this phase (fine-tuning may train on another backend than the head). */
  backends: LineageBackends;
  /**
   * Worker threads that trained this phase data-parallel (each batch split over replicas); 0 when
   * it trained in the main thread. Absent in records written before data-parallel training.
   */
  trainingWorkers?: number;
  /** `null` when nothing was frozen. */
  featureCache: LineageFeatureCache | null;
  /**
   * The engine that computed the frozen prefix's features in this phase; `null` when none ran
   * (features from the cache, or nothing frozen). Absent in records written before engines existed.
   */
  engine?: LineageEngine | null;
}

/** What ran a frozen prefix. */
export interface LineageEngine {
  /** `onnxruntime`, `tfjs-wasm` (worker pool) or `tfjs` (in-process). */
  name: string;
  /** `onnxruntime`, or the tfjs backend (`wasm`, `cpu`, `tensorflow`). */
  backend: string;
  /** Worker threads of a tfjs pool (0 in-process). */
  workers: number;
  /** ONNX Runtime intra-op threads (0 for tfjs). */
  threads: number;
  /** Engines tried first, in order, and why each could not run the prefix. */
  fallbacks: { engine: string; reason: string }[];
}

/** Random augmentation applied to training images (never to validation or test images). */
export interface LineageAugmentation {
  flipHorizontal: boolean;
  /** Pad by `padding` pixels, then crop back to size at a random offset; `false` for none. */
  randomCrop: { padding: number } | false;
}

/** Stop a phase when validation loss has not improved for `patience` epochs. */
export interface LineageEarlyStopping {
  patience: number;
  /** Smallest decrease of validation loss that counts as an improvement. */
  minDelta: number;
}

/** TensorFlow.js backends (or engines) that actually ran, e.g. `onnxruntime`, `wasm`, `cpu`. */
export interface LineageBackends {
  /** What computed the frozen prefix's features. */
  inference: string;
  /** What trained the trainable suffix. */
  training: string;
}

/** The cached frozen-prefix features the run used. */
export interface LineageFeatureCache {
  /** Cache key: backbone weights hash + cut + input shape + dataset hash. */
  key: string;
  /** True when the features were already cached and not recomputed. */
  hit: boolean;
}

/** How the model was trained. */
export interface LineageTraining {
  mode: LineageTrainingMode;
  /** In the order they ran; at least one. */
  phases: LineagePhase[];
  batchSize: number;
  /** Seed of weight initialisation, shuffling and augmentation. */
  seed: number;
  augmentation: LineageAugmentation;
  /** `null` when every epoch was requested to run. */
  earlyStopping: LineageEarlyStopping | null;
  backends: LineageBackends;
  /** Worker threads that ran the inference engine (0: in the main thread). */
  engineWorkers: number;
  /** `null` when no features were cached (nothing frozen). */
  featureCache: LineageFeatureCache | null;
  /** Versions of the libraries that ran: `{ "@tensorflow/tfjs": "4.22.0", "node": "20.19.0" }`. */
  libraries: Record<string, string>;
}

/** Images per split. */
export interface LineageSplitCounts {
  train: number;
  validation: number;
  test: number;
}

/** The data the run trained and evaluated on. */
export interface LineageData {
  /** Registered dataset id, or a name derived from the source. */
  datasetId: string;
  name: string;
  /** Hex sha256 over the dataset's content (pixels, labels, class names). */
  contentHash: string;
  /** Class names; label `i` is `classes[i]`. */
  classes: string[];
  /** Seed of the train/validation/test split. */
  splitSeed: number;
  counts: LineageSplitCounts;
  /** Images skipped because they could not be decoded. */
  skippedCorrupt: number;
}

/** Metrics at the end of one epoch. */
export interface LineageEpoch {
  /** Name of the {@link LineagePhase} the epoch belongs to. */
  phase: string;
  /** Epoch number within its phase, from 1. */
  epoch: number;
  /** Training loss; `null` when not finite (the run diverged). */
  loss: number | null;
  accuracy: number;
  /** Validation metrics; `null` without validation data or when not finite. */
  valLoss: number | null;
  valAccuracy: number | null;
  /** Wall-clock duration of the epoch. */
  seconds: number;
}

/** What the run achieved. */
export interface LineageResults {
  /** One entry per epoch run, phase after phase. */
  history: LineageEpoch[];
  /** Evaluation of the final model on the test split. */
  evaluation: Evaluation;
}

/** One stored file of the trained model. */
export interface LineageArtifact {
  /** Store key, e.g. `models/abc/model.json`. */
  path: string;
  bytes: number;
  /** Hex sha256 of the stored bytes. */
  sha256: string;
}

/** The registered model version a run started from. */
export interface LineageParent {
  modelVersionId: string;
}
