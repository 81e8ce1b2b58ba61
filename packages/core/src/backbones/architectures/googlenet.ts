import * as tf from '@tensorflow/tfjs';
import { LayerSeeds, apply, imageInput, resolveArgs } from './common.js';
import type { ArchitectureArgs, BuiltArchitecture } from './types.js';

/**
 * Five stride-2 reductions (conv1, pool1..pool4; all `same`-padded) take 32 to 1x1: below that
 * the last stages would only see padding.
 */
export const GOOGLENET_MIN_INPUT_SIZE = 32;

/** One Inception module's widths (Szegedy et al. 2014, Table 1). */
export interface InceptionSpec {
  name: string;
  /** #1x1 */
  b1x1: number;
  /** #3x3 reduce, #3x3 */
  b3x3Reduce: number;
  b3x3: number;
  /** #5x5 reduce, #5x5 */
  b5x5Reduce: number;
  b5x5: number;
  /** pool proj */
  poolProj: number;
}

const m = (
  name: string,
  ...w: [number, number, number, number, number, number]
): InceptionSpec => ({
  name,
  b1x1: w[0],
  b3x3Reduce: w[1],
  b3x3: w[2],
  b5x5Reduce: w[3],
  b5x5: w[4],
  poolProj: w[5],
});

/** Table 1 of Szegedy et al. 2014, by stage; a 3x3/2 max pool follows stages 3 and 4. */
export const GOOGLENET_MODULES: readonly (readonly InceptionSpec[])[] = [
  [m('3a', 64, 96, 128, 16, 32, 32), m('3b', 128, 128, 192, 32, 96, 64)],
  [
    m('4a', 192, 96, 208, 16, 48, 64),
    m('4b', 160, 112, 224, 24, 64, 64),
    m('4c', 128, 128, 256, 24, 64, 64),
    m('4d', 112, 144, 288, 32, 64, 64),
    m('4e', 256, 160, 320, 32, 128, 128),
  ],
  [m('5a', 256, 160, 320, 32, 128, 128), m('5b', 384, 192, 384, 48, 128, 128)],
];

/**
 * GoogLeNet / Inception v1 (Szegedy et al. 2014) without the auxiliary heads and without the
 * local response normalisation (tf.layers has none): conv1_7x7_s2, pool1_3x3_s2,
 * conv2_3x3_reduce, conv2_3x3, pool2_3x3_s2, Inception modules 3a-3b, pool3_3x3_s2, 4a-4e,
 * pool4_3x3_s2, 5a-5b; top: pool5_7x7_s1 (global average), pool5_drop_7x7_s1 (40%), predictions.
 * Module layers: inception_{id}_1x1, _3x3_reduce, _3x3, _5x5_reduce, _5x5, _pool, _pool_proj,
 * _concat. Every conv has a bias and a ReLU; all padding is `same` (224 -> 112 -> 56 -> 28 -> 14 -> 7).
 * 5,973,552 parameters without the top (5,966,272 weights + 7,280 biases), 6,998,552 with it and
 * 1000 classes. Table 1 of the paper sums to 6,797.7K weights (K = 1024, biases not counted), i.e.
 * ~6.96M; this build has 6.99M weights: the table's rows are rounded and a few are off (conv1 is
 * listed as 2.7K but 7x7x3x64 is 9.2K; 4c as 463K but its widths give 497.5K).
 */
export function buildGoogLeNet(args?: ArchitectureArgs): BuiltArchitecture {
  const a = resolveArgs(args, {
    name: 'GoogLeNet',
    inputShape: [224, 224, 3],
    numClasses: 1000,
    minInputSize: GOOGLENET_MIN_INPUT_SIZE,
  });
  const seeds = new LayerSeeds(a.seed);
  const conv = (
    x: tf.SymbolicTensor,
    filters: number,
    kernelSize: number,
    name: string,
    strides = 1,
  ) =>
    apply(
      tf.layers.conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: seeds.kernel(),
        name,
      }),
      x,
    );
  const maxPool = (x: tf.SymbolicTensor, strides: number, name: string) =>
    apply(tf.layers.maxPooling2d({ poolSize: 3, strides, padding: 'same', name }), x);

  const inception = (x: tf.SymbolicTensor, s: InceptionSpec): tf.SymbolicTensor => {
    const p = `inception_${s.name}`;
    const b1 = conv(x, s.b1x1, 1, `${p}_1x1`);
    const b3 = conv(conv(x, s.b3x3Reduce, 1, `${p}_3x3_reduce`), s.b3x3, 3, `${p}_3x3`);
    const b5 = conv(conv(x, s.b5x5Reduce, 1, `${p}_5x5_reduce`), s.b5x5, 5, `${p}_5x5`);
    const bp = conv(maxPool(x, 1, `${p}_pool`), s.poolProj, 1, `${p}_pool_proj`);
    return apply(tf.layers.concatenate({ axis: -1, name: `${p}_concat` }), [b1, b3, b5, bp]);
  };

  const input = imageInput(a.inputShape);
  let x = conv(input, 64, 7, 'conv1_7x7_s2', 2);
  x = maxPool(x, 2, 'pool1_3x3_s2');
  x = conv(x, 64, 1, 'conv2_3x3_reduce');
  x = conv(x, 192, 3, 'conv2_3x3');
  x = maxPool(x, 2, 'pool2_3x3_s2');
  const blockEnds = ['pool1_3x3_s2', 'pool2_3x3_s2'];
  GOOGLENET_MODULES.forEach((stage, i) => {
    for (const spec of stage) {
      x = inception(x, spec);
      blockEnds.push(`inception_${spec.name}_concat`);
    }
    if (i < GOOGLENET_MODULES.length - 1) x = maxPool(x, 2, `pool${i + 3}_3x3_s2`);
  });
  if (a.includeTop) {
    x = apply(tf.layers.globalAveragePooling2d({ name: 'pool5_7x7_s1' }), x);
    x = apply(tf.layers.dropout({ rate: 0.4, seed: seeds.next(), name: 'pool5_drop_7x7_s1' }), x);
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
    model: tf.model({ inputs: input, outputs: x, name: 'googlenet' }),
    blockEnds,
    lastFeatureLayer: 'inception_5b_concat',
    minInputSize: GOOGLENET_MIN_INPUT_SIZE,
  };
}
