import * as tf from '@tensorflow/tfjs';
import { LayerSeeds, apply, imageInput, resolveArgs } from './common.js';
import type { ArchitectureArgs, BuiltArchitecture } from './types.js';

/**
 * Smallest input: conv1 (11x11/4 after 2 pixels of padding) and three 3x3/2 max pools must leave
 * at least 1x1: n = 63 gives 15 -> 7 -> 3 -> 1, n = 62 gives 14 -> 6 -> 2 -> nothing.
 */
export const ALEXNET_MIN_INPUT_SIZE = 63;

/**
 * AlexNet, single-tower variant as in torchvision (Krizhevsky 2014, "One weird trick"):
 * conv 64@11x11/4 (pad 2) -> max pool 3/2 -> conv 192@5x5 -> max pool 3/2 -> conv 384@3x3 ->
 * conv 256@3x3 -> conv 256@3x3 -> max pool 3/2 -> [dropout -> fc 4096 -> dropout -> fc 4096 ->
 * softmax]. At 224x224 pool5 is 6x6x256 as in torchvision (which adds an adaptive average pool to
 * 6x6 that is the identity at 224; tf.layers has none, so other sizes change fc6's input size).
 * 61,100,840 parameters with the top and 1000 classes, 2,469,696 without.
 */
export function buildAlexNet(args?: ArchitectureArgs): BuiltArchitecture {
  const a = resolveArgs(args, {
    name: 'AlexNet',
    inputShape: [224, 224, 3],
    numClasses: 1000,
    minInputSize: ALEXNET_MIN_INPUT_SIZE,
  });
  const seeds = new LayerSeeds(a.seed);
  const conv = (filters: number, kernelSize: number, name: string, strides = 1): tf.layers.Layer =>
    tf.layers.conv2d({
      filters,
      kernelSize,
      strides,
      padding: strides === 1 ? 'same' : 'valid',
      activation: 'relu',
      kernelInitializer: seeds.kernel(),
      name,
    });
  const pool = (name: string): tf.layers.Layer =>
    tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name });

  const input = imageInput(a.inputShape);
  let x = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [2, 2],
        [2, 2],
      ],
      name: 'conv1_pad',
    }),
    input,
  );
  x = apply(conv(64, 11, 'conv1', 4), x);
  x = apply(pool('pool1'), x);
  x = apply(conv(192, 5, 'conv2'), x);
  x = apply(pool('pool2'), x);
  x = apply(conv(384, 3, 'conv3'), x);
  x = apply(conv(256, 3, 'conv4'), x);
  x = apply(conv(256, 3, 'conv5'), x);
  x = apply(pool('pool5'), x);
  if (a.includeTop) {
    x = apply(tf.layers.flatten({ name: 'flatten' }), x);
    for (const fc of ['fc6', 'fc7']) {
      x = apply(tf.layers.dropout({ rate: 0.5, seed: seeds.next(), name: `${fc}_dropout` }), x);
      x = apply(
        tf.layers.dense({
          units: 4096,
          activation: 'relu',
          kernelInitializer: seeds.kernel(),
          name: fc,
        }),
        x,
      );
    }
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
    model: tf.model({ inputs: input, outputs: x, name: 'alexnet' }),
    blockEnds: ['pool1', 'pool2', 'conv3', 'conv4', 'pool5'],
    lastFeatureLayer: 'pool5',
    minInputSize: ALEXNET_MIN_INPUT_SIZE,
  };
}
