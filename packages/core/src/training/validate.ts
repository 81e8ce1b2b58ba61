import { DangerousLearningRateError, InvalidSpecError } from '../errors.js';
import type { SurgerySpec } from '../surgery/spec.js';
import {
  DEFAULT_FINE_TUNE_LR,
  INFERENCE_ENGINE_NAMES,
  MAX_SAFE_FINE_TUNE_LR,
  type TrainSpec,
} from './spec.js';

const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'];
const BACKENDS = ['tensorflow', 'wasm', 'cpu'];

function positiveInt(v: unknown, field: string): void {
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) {
    throw new InvalidSpecError(
      `${field} must be a positive integer, got ${JSON.stringify(v)}`,
      field,
    );
  }
}

function learningRate(v: unknown, field: string): void {
  if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) {
    throw new InvalidSpecError(
      `${field} must be a positive number, got ${JSON.stringify(v)}`,
      field,
    );
  }
}

/**
 * Checks a TrainSpec (and how it fits the surgery's freeze) before any work starts; throws a
 * GraftError whose `field` names the offending setting.
 */
export function validateTrainSpec(train: TrainSpec, surgery: SurgerySpec): void {
  if (train.mode !== 'feature-extraction' && train.mode !== 'fine-tuning') {
    throw new InvalidSpecError(
      `mode must be 'feature-extraction' or 'fine-tuning', got ${JSON.stringify(train.mode)}`,
      'train.mode',
    );
  }
  positiveInt(train.epochs, 'train.epochs');
  positiveInt(train.batchSize, 'train.batchSize');
  learningRate(train.learningRate, 'train.learningRate');
  if (train.seed !== undefined && !Number.isInteger(train.seed)) {
    throw new InvalidSpecError('train.seed must be an integer', 'train.seed');
  }
  for (const [o, field] of [
    [train.optimizer, 'train.optimizer'],
    [train.fineTune?.optimizer, 'train.fineTune.optimizer'],
  ] as const) {
    if (o !== undefined && !OPTIMIZERS.includes(o)) {
      throw new InvalidSpecError(
        `${field} must be one of ${OPTIMIZERS.join(', ')}, got '${o}'`,
        field,
      );
    }
  }
  if (train.earlyStopping)
    positiveInt(train.earlyStopping.patience, 'train.earlyStopping.patience');
  const crop = train.augmentation?.randomCrop;
  if (crop && (!Number.isInteger(crop.padding) || crop.padding < 1)) {
    throw new InvalidSpecError(
      'augmentation.randomCrop.padding must be a positive integer',
      'train.augmentation.randomCrop',
    );
  }
  const engine = train.engine ?? {};
  checkWholeNumber(
    engine.workers,
    0,
    'engine.workers must be 0 (in-process) or a positive integer',
    'train.engine.workers',
  );
  checkWholeNumber(
    engine.trainingWorkers,
    0,
    'engine.trainingWorkers must be 0 (train in this thread) or a positive integer',
    'train.engine.trainingWorkers',
  );
  if (engine.inference !== undefined && !INFERENCE_ENGINE_NAMES.includes(engine.inference)) {
    throw new InvalidSpecError(
      `train.engine.inference must be one of ${INFERENCE_ENGINE_NAMES.join(', ')}, got '${String(engine.inference)}'`,
      'train.engine.inference',
    );
  }
  if (engine.inference && engine.inference !== 'tfjs' && engine.inferenceBackend) {
    throw new InvalidSpecError(
      `train.engine.inferenceBackend '${engine.inferenceBackend}' applies to the tfjs engines; ` +
        `it contradicts train.engine.inference '${engine.inference}'`,
      'train.engine.inferenceBackend',
    );
  }
  checkWholeNumber(
    engine.onnxThreads,
    1,
    'train.engine.onnxThreads must be a positive integer',
    'train.engine.onnxThreads',
  );
  for (const [b, field] of [
    [engine.inferenceBackend, 'train.engine.inferenceBackend'],
    [engine.trainingBackend, 'train.engine.trainingBackend'],
  ] as const) {
    if (b !== undefined && !BACKENDS.includes(b)) {
      throw new InvalidSpecError(
        `${field} must be one of ${BACKENDS.join(', ')}, got '${b}'`,
        field,
      );
    }
  }

  const freezeKind = surgery.freeze?.kind ?? 'all';
  if (train.mode === 'feature-extraction') {
    if (freezeKind !== 'all') {
      throw new InvalidSpecError(
        `feature extraction keeps the whole backbone frozen, but surgery.freeze is '${freezeKind}'; ` +
          `use mode 'fine-tuning' to retrain backbone layers`,
        'surgery.freeze',
      );
    }
    if (train.fineTune) {
      throw new InvalidSpecError("fineTune is only used in mode 'fine-tuning'", 'train.fineTune');
    }
    return;
  }
  if (freezeKind === 'all') {
    throw new InvalidSpecError(
      "fine-tuning needs part of the backbone unfrozen in phase 2: set surgery.freeze (e.g. { kind: 'allButLastBlocks', blocks: 2 })",
      'surgery.freeze',
    );
  }
  positiveInt(train.fineTune?.epochs, 'train.fineTune.epochs');
  learningRate(train.fineTune?.learningRate, 'train.fineTune.learningRate');
  const lr = train.fineTune?.learningRate ?? DEFAULT_FINE_TUNE_LR;
  if (lr > MAX_SAFE_FINE_TUNE_LR && !train.allowHighLearningRate) {
    throw new DangerousLearningRateError(lr, MAX_SAFE_FINE_TUNE_LR);
  }
}

/** Throws `message` (on `path`) unless `value` is absent or a whole number of at least `min`. */
function checkWholeNumber(
  value: number | undefined,
  min: number,
  message: string,
  path: string,
): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min)) {
    throw new InvalidSpecError(message, path);
  }
}
