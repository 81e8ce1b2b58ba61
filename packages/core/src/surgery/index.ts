export type { FreezeSpec, HeadSpec, DenseSpec, SurgerySpec } from './spec.js';
export {
  applySurgery,
  validateSurgerySpec,
  resolveFreeze,
  setFrozen,
  describe,
  type ApplySurgeryArgs,
  type SurgeryResult,
  type LayerInfo,
} from './surgery.js';
export { enforceBatchNormInference, isBatchNormInference } from './batchNorm.js';
export { splitAtFreezeBoundary, type SplitModel } from './split.js';
