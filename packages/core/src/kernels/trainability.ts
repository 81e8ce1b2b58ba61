import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from './register.js';

/** Gradient kernels that backpropagating through a layer class calls (beyond elementwise ops). */
const GRADIENT_KERNELS: Readonly<Record<string, readonly string[]>> = {
  Conv2D: ['Conv2DBackpropFilter', 'Conv2DBackpropInput'],
  Conv2DTranspose: ['Conv2DBackpropFilter', 'Conv2D'],
  DepthwiseConv2D: ['DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
  SeparableConv2D: [
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
  ],
  MaxPooling2D: ['MaxPoolGrad'],
  AveragePooling2D: ['AvgPoolGrad'],
  GlobalMaxPooling2D: [],
  UpSampling2D: ['ResizeNearestNeighborGrad'],
};

/**
 * The gradient kernels a layer class needs that `backend` has no kernel for (after Graft's own,
 * {@link registerTrainingKernels}); empty when the backend can train through the layer.
 */
export function missingGradientKernels(layerClass: string, backend: string): string[] {
  registerTrainingKernels();
  return (GRADIENT_KERNELS[layerClass] ?? []).filter((k) => !tf.getKernel(k, backend));
}
