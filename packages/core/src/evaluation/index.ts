/** `@graft/core/evaluation`: metrics of a trained classifier. */
export {
  evaluateClassifier,
  LOSS_EPSILON,
  type AveragedMetrics,
  type ClassMetrics,
  type EvaluateClassifierArgs,
  type Evaluation,
  type TopKAccuracy,
} from './metrics.js';
