/**
 * @graft/core — backbone surgery and transfer-learning training with TensorFlow.js.
 * Subpaths (`@graft/core/surgery`, `/training`, ...) expose the same API in parts.
 */
export * from './errors.js';
export * from './backend.js';
export * from './kernels/index.js';
export * from './backbones/index.js';
export * from './surgery/index.js';
export * from './training/index.js';
export * from './data/index.js';
export * from './evaluation/index.js';
export * from './export/index.js';
export * from './lineage/index.js';
export * from './onnx/index.js';
