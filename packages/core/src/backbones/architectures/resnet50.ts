import * as tf from '@tensorflow/tfjs';
import { LayerSeeds, apply, imageInput, resolveArgs } from './common.js';
import type { ArchitectureArgs, BuiltArchitecture } from './types.js';

/** Keras' `min_size` for ResNet50. */
export const RESNET50_MIN_INPUT_SIZE = 32;

/** Keras' BatchNormalization epsilon in its ResNets. */
const BN_EPSILON = 1.001e-5;

/** Stages conv2..conv5: bottleneck width, number of blocks, stride of the first block. */
const STAGES: readonly { stage: number; filters: number; blocks: number; stride: number }[] = [
  { stage: 2, filters: 64, blocks: 3, stride: 1 },
  { stage: 3, filters: 128, blocks: 4, stride: 2 },
  { stage: 4, filters: 256, blocks: 6, stride: 2 },
  { stage: 5, filters: 512, blocks: 3, stride: 2 },
];

/**
 * ResNet50 v1 (He et al. 2015) like Keras `applications.ResNet50`: conv1_pad, conv1_conv (7x7/2,
 * with bias), conv1_bn, conv1_relu, pool1_pad, pool1_pool (3x3/2), then bottleneck blocks named
 * conv{N}_block{M}_{1,2,3}_{conv,bn,relu}, a projection shortcut conv{N}_block1_0_{conv,bn} in the
 * first block of each stage (stride on the 1x1 convs, as Keras) and identity shortcuts in the
 * others, conv{N}_block{M}_add and conv{N}_block{M}_out; top: avg_pool (global) and predictions.
 * 23,587,712 parameters without the top, 25,636,712 with it and 1000 classes (any input size).
 */
export function buildResNet50(args?: ArchitectureArgs): BuiltArchitecture {
  const a = resolveArgs(args, {
    name: 'ResNet50',
    inputShape: [224, 224, 3],
    numClasses: 1000,
    minInputSize: RESNET50_MIN_INPUT_SIZE,
  });
  const seeds = new LayerSeeds(a.seed);
  const conv = (
    filters: number,
    kernelSize: number,
    strides: number,
    padding: 'same' | 'valid',
    name: string,
  ) =>
    tf.layers.conv2d({
      filters,
      kernelSize,
      strides,
      padding,
      kernelInitializer: seeds.kernel(),
      name,
    });
  const bn = (name: string) => tf.layers.batchNormalization({ axis: 3, epsilon: BN_EPSILON, name });
  const relu = (name: string) => tf.layers.activation({ activation: 'relu', name });

  const input = imageInput(a.inputShape);
  let x = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [3, 3],
        [3, 3],
      ],
      name: 'conv1_pad',
    }),
    input,
  );
  x = apply(conv(64, 7, 2, 'valid', 'conv1_conv'), x);
  x = apply(bn('conv1_bn'), x);
  x = apply(relu('conv1_relu'), x);
  x = apply(
    tf.layers.zeroPadding2d({
      padding: [
        [1, 1],
        [1, 1],
      ],
      name: 'pool1_pad',
    }),
    x,
  );
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);

  const blockEnds: string[] = [];
  for (const { stage, filters, blocks, stride } of STAGES) {
    for (let b = 1; b <= blocks; b++) {
      const name = `conv${stage}_block${b}`;
      const s = b === 1 ? stride : 1;
      let shortcut = x;
      if (b === 1) {
        shortcut = apply(conv(4 * filters, 1, s, 'valid', `${name}_0_conv`), x);
        shortcut = apply(bn(`${name}_0_bn`), shortcut);
      }
      let y = apply(conv(filters, 1, s, 'valid', `${name}_1_conv`), x);
      y = apply(bn(`${name}_1_bn`), y);
      y = apply(relu(`${name}_1_relu`), y);
      y = apply(conv(filters, 3, 1, 'same', `${name}_2_conv`), y);
      y = apply(bn(`${name}_2_bn`), y);
      y = apply(relu(`${name}_2_relu`), y);
      y = apply(conv(4 * filters, 1, 1, 'valid', `${name}_3_conv`), y);
      y = apply(bn(`${name}_3_bn`), y);
      y = apply(tf.layers.add({ name: `${name}_add` }), [shortcut, y]);
      x = apply(relu(`${name}_out`), y);
      blockEnds.push(`${name}_out`);
    }
  }
  if (a.includeTop) {
    x = apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
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
    model: tf.model({ inputs: input, outputs: x, name: 'resnet50' }),
    blockEnds,
    lastFeatureLayer: 'conv5_block3_out',
    minInputSize: RESNET50_MIN_INPUT_SIZE,
  };
}
