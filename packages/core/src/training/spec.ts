import type { BackendName } from '../backend.js';

/**
 * Engines that can run a frozen prefix, best first (what each is: `INFERENCE_ENGINES` in
 * frozenForward.ts). Here, apart from tfjs, for code that validates specs without loading it.
 */
export const INFERENCE_ENGINE_NAMES = ['onnxruntime', 'tfjs-wasm', 'tfjs'] as const;
export type InferenceEngineName = (typeof INFERENCE_ENGINE_NAMES)[number];

/** Optimisers Graft trains with. */
export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';

/** Data augmentation applied to training images (only where images are fed, not cached features). */
export interface AugmentationSpec {
  flipHorizontal?: boolean;
  /** Pad by `padding` pixels, then crop back to size at a random offset. */
  randomCrop?: { padding: number } | false;
}

/** Stop a phase when validation loss has not improved for `patience` epochs; the best weights are restored. */
export interface EarlyStoppingSpec {
  patience: number;
  /** Smallest decrease that counts as an improvement; default 0. */
  minDelta?: number;
}

/**
 * How to train a transfer model. JSON-serialisable; the surgery's `freeze` says what stays frozen in
 * fine-tuning's phase 2 (phase 1 and feature extraction freeze the whole backbone).
 */
export interface TrainSpec {
  /** `feature-extraction`: backbone frozen, only the head trains. `fine-tuning`: then unfreeze the top at a low rate. */
  mode: 'feature-extraction' | 'fine-tuning';
  /** Epochs of phase 1 (the head); default 10. */
  epochs?: number;
  /** Learning rate of phase 1; default 1e-3. */
  learningRate?: number;
  /** Optimiser of phase 1; default `adam`. */
  optimizer?: OptimizerName;
  /** Mini-batch size; default 32. */
  batchSize?: number;
  /** Seed of initialisers, shuffling and dropout; default 42. */
  seed?: number;
  /** Default `{ patience: 3 }`; `false` to train every epoch. */
  earlyStopping?: EarlyStoppingSpec | false;
  /** Phase 2 of fine-tuning. */
  fineTune?: {
    /** Default 5. */
    epochs?: number;
    /** Default 1e-5. Above 1e-3 is refused unless `allowHighLearningRate`. */
    learningRate?: number;
    /** Default: phase 1's optimiser. */
    optimizer?: OptimizerName;
  };
  /** Allow a phase-2 learning rate above 1e-3 (it usually destroys the pretrained features). */
  allowHighLearningRate?: boolean;
  augmentation?: AugmentationSpec;
  /** Where the work runs; defaults chosen by {@link planBackends}. */
  engine?: {
    /**
     * Force the engine of the frozen prefix: `onnxruntime`, `tfjs-wasm` (worker pool) or `tfjs`
     * (in-process, active backend). The run fails if it cannot run the prefix. Default: the first
     * that can, in that order (a layer the ONNX compiler does not translate falls back, logged).
     */
    inference?: InferenceEngineName;
    /** Intra-op threads of ONNX Runtime; default 2. */
    onnxThreads?: number;
    /** Worker threads of the tfjs frozen forward pool; default: one per core; 0: no pool. */
    workers?: number;
    /** Force the tfjs inference backend of the frozen prefix (and so a tfjs engine). */
    inferenceBackend?: BackendName;
    /** Force the training backend of the trainable suffix. */
    trainingBackend?: BackendName;
    /**
     * Worker threads that train a phase data-parallel (each batch split over replicas of the
     * trainable part). Default: one per core for a phase that trains convolutions on wasm (the
     * compute-bound case), 0 otherwise; 0: train in this thread. Needs a batch of at least two
     * images per worker.
     */
    trainingWorkers?: number;
  };
}

/** Fine-tuning learning rates above this are refused unless `allowHighLearningRate` is set. */
export const MAX_SAFE_FINE_TUNE_LR = 1e-3;
export const DEFAULT_FINE_TUNE_LR = 1e-5;
