/** Graft's gradient kernels for the wasm (and cpu) backends; see {@link registerTrainingKernels}. */
export {
  originalKernel,
  registerTrainingKernels,
  trainingKernels,
  withOriginalKernels,
} from './register.js';
export { missingGradientKernels } from './trainability.js';
export { conv2dBackpropFilterByConv } from './conv2dBackpropFilter.js';
export { conv2dBackpropInputByConv } from './conv2dBackpropInput.js';
export { depthwiseBackpropFilterByOps, depthwiseBackpropInputByConv } from './depthwiseBackprop.js';
export { maxPoolGradByTaps } from './maxPoolGrad.js';
