export {
  costLimitRule,
  depthLimitRule,
  queryLimitRules,
  type CostLimitOptions,
} from './queryLimits.js';
