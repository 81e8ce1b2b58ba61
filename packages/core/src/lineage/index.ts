/**
 * `@graft/core/lineage`: the versioned record of a training run, its JSON Schema and a
 * validator. No tfjs at run time: the API and console can import it cheaply.
 */
export {
  LINEAGE_SCHEMA_VERSION,
  type FreezeRequest,
  type LineageArtifact,
  type LineageAugmentation,
  type LineageBackbone,
  type LineageBackends,
  type LineageData,
  type LineageEarlyStopping,
  type LineageEpoch,
  type LineageEngine,
  type LineageFeatureCache,
  type LineageHead,
  type LineageHeadDense,
  type LineageHeadPooling,
  type LineageParent,
  type LineagePhase,
  type LineagePreprocessing,
  type LineageRecord,
  type LineageResults,
  type LineageSplitCounts,
  type LineageSurgery,
  type LineageTraining,
  type LineageTrainingMode,
} from './record.js';
export {
  assertLineageRecord,
  InvalidLineageRecordError,
  lineageRecordSchema,
  validateLineageRecord,
} from './schema.js';
export {
  validateJsonSchema,
  type JsonSchema,
  type JsonType,
  type SchemaError,
} from './jsonSchema.js';
