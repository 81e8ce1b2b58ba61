export type { TrainSpec, AugmentationSpec, EarlyStoppingSpec, OptimizerName } from './spec.js';
export { MAX_SAFE_FINE_TUNE_LR, DEFAULT_FINE_TUNE_LR } from './spec.js';
export { validateTrainSpec } from './validate.js';
export {
  trainTransferModel,
  defaultFeatureCache,
  type TrainTransferArgs,
  type TrainResult,
  type PhaseReport,
} from './train.js';
export { fitPhase, predictAll, type EpochMetrics, type TrainProgress } from './fit.js';
export {
  MemoryFeatureCache,
  DirectoryFeatureCache,
  type FeatureCache,
  type Features,
} from './featureCache.js';
export {
  createFrozenForwardEngine,
  engineCandidates,
  INFERENCE_ENGINES,
  InProcessForward,
  OnnxRuntimeForward,
  WorkerPoolForward,
  type CreatedEngine,
  type CreateEngineArgs,
  type EngineDescription,
  type FrozenForwardEngine,
  type FrozenForwardArgs,
  type InferenceEngineName,
  type OnnxForwardArgs,
} from './frozenForward.js';
export { buildLineageRecord, type BuildLineageRecordArgs } from './lineage.js';
