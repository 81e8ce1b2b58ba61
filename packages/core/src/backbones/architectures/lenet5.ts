import * as tf from '@tensorflow/tfjs';
import { LayerSeeds, apply, imageInput, resolveArgs } from './common.js';
import type { ArchitectureArgs, BuiltArchitecture } from './types.js';

/**
 * Smallest input: with `same` padding in conv1 (inputs under 32), pool1 halves it, the 5x5 valid
 * conv2 takes 4 off and pool2 needs at least 2: floor(n / 2) - 4 >= 2, so n >= 12.
 */
export const LENET5_MIN_INPUT_SIZE = 12;

/**
 * LeNet-5 (LeCun et al. 1998) as commonly built today: conv 6@5x5 -> 2x2 max pool -> conv 16@5x5
 * -> 2x2 max pool -> dense 120 -> dense 84 -> softmax, with ReLU activations. Default input
 * [32, 32, 1]; inputs smaller than 32 (MNIST's 28x28) use `same` padding in conv1 so that conv2
 * still sees 14x14 maps, which keeps the parameter count (61,706 with 10 classes) independent of
 * 28 vs 32. Layers: conv1, pool1, conv2, pool2 [, flatten, fc1, fc2, predictions].
 */
export function buildLeNet5(args?: ArchitectureArgs): BuiltArchitecture {
  const a = resolveArgs(args, {
    name: 'LeNet-5',
    inputShape: [32, 32, 1],
    numClasses: 10,
    minInputSize: LENET5_MIN_INPUT_SIZE,
  });
  const seeds = new LayerSeeds(a.seed);
  const [h, w] = a.inputShape;
  const input = imageInput(a.inputShape);
  let x = apply(
    tf.layers.conv2d({
      filters: 6,
      kernelSize: 5,
      padding: Math.min(h, w) < 32 ? 'same' : 'valid',
      activation: 'relu',
      kernelInitializer: seeds.kernel(),
      name: 'conv1',
    }),
    input,
  );
  x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool1' }), x);
  x = apply(
    tf.layers.conv2d({
      filters: 16,
      kernelSize: 5,
      padding: 'valid',
      activation: 'relu',
      kernelInitializer: seeds.kernel(),
      name: 'conv2',
    }),
    x,
  );
  x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: 'pool2' }), x);
  if (a.includeTop) {
    x = apply(tf.layers.flatten({ name: 'flatten' }), x);
    x = apply(
      tf.layers.dense({
        units: 120,
        activation: 'relu',
        kernelInitializer: seeds.kernel(),
        name: 'fc1',
      }),
      x,
    );
    x = apply(
      tf.layers.dense({
        units: 84,
        activation: 'relu',
        kernelInitializer: seeds.kernel(),
        name: 'fc2',
      }),
      x,
    );
    x = apply(
      tf.layers.dense({
        units: a.numClasses,
        activation: 'softmax',
        kernelInitializer: seeds.kernel(),
        name: 'predictions',
      }),
      x,
    );
  }
  return {
    model: tf.model({ inputs: input, outputs: x, name: 'lenet5' }),
    blockEnds: ['pool1', 'pool2'],
    lastFeatureLayer: 'pool2',
    minInputSize: LENET5_MIN_INPUT_SIZE,
  };
}
