import * as tf from '@tensorflow/tfjs';
import { LayerSeeds, apply, imageInput, resolveArgs } from './common.js';
import type { ArchitectureArgs, BuiltArchitecture } from './types.js';

/** Five 2x2/2 valid max pools: 32 is the smallest input that leaves 1x1 (as Keras' min_size). */
export const VGG16_MIN_INPUT_SIZE = 32;

/** Filters of each block's 3x3 convolutions. */
const BLOCKS: readonly (readonly number[])[] = [
  [64, 64],
  [128, 128],
  [256, 256, 256],
  [512, 512, 512],
  [512, 512, 512],
];

/**
 * VGG16 (Simonyan & Zisserman 2014, configuration D) exactly like Keras `applications.VGG16`:
 * block{1..5}_conv{i} (3x3, same, ReLU) and block{1..5}_pool (2x2/2), then flatten, fc1, fc2
 * (4096, ReLU) and predictions (softmax). 14,714,688 parameters without the top; 138,357,544 with
 * it at 224x224 and 1000 classes (fc1's size depends on the input size).
 */
export function buildVgg16(args?: ArchitectureArgs): BuiltArchitecture {
  const a = resolveArgs(args, {
    name: 'VGG16',
    inputShape: [224, 224, 3],
    numClasses: 1000,
    minInputSize: VGG16_MIN_INPUT_SIZE,
  });
  const seeds = new LayerSeeds(a.seed);
  const input = imageInput(a.inputShape);
  let x = input;
  const blockEnds: string[] = [];
  BLOCKS.forEach((filters, b) => {
    filters.forEach((f, i) => {
      x = apply(
        tf.layers.conv2d({
          filters: f,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: seeds.kernel(),
          name: `block${b + 1}_conv${i + 1}`,
        }),
        x,
      );
    });
    const pool = `block${b + 1}_pool`;
    x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: pool }), x);
    blockEnds.push(pool);
  });
  if (a.includeTop) {
    x = apply(tf.layers.flatten({ name: 'flatten' }), x);
    x = apply(
      tf.layers.dense({
        units: 4096,
        activation: 'relu',
        kernelInitializer: seeds.kernel(),
        name: 'fc1',
      }),
      x,
    );
    x = apply(
      tf.layers.dense({
        units: 4096,
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
    model: tf.model({ inputs: input, outputs: x, name: 'vgg16' }),
    blockEnds,
    lastFeatureLayer: 'block5_pool',
    minInputSize: VGG16_MIN_INPUT_SIZE,
  };
}
