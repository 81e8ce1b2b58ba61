import * as tf from '@tensorflow/tfjs';
import { loadBackbone } from '../backbones/catalog.js';
import type { Backbone } from '../backbones/types.js';

/**
 * A small conv + BatchNorm backbone (16x16x3 input) served through an IOHandler, for tests that need
 * a backbone with BatchNorm that trains in seconds. Not exported from the package.
 */
export async function tinyBackboneHandler(seed = 7): Promise<tf.io.IOHandler> {
  const input = tf.input({ shape: [16, 16, 3], name: 'input' });
  let x = input as tf.SymbolicTensor;
  for (const [i, filters] of [
    [1, 8],
    [2, 8],
    [3, 16],
  ] as const) {
    x = tf.layers
      .conv2d({
        filters,
        kernelSize: 3,
        padding: 'same',
        strides: i === 1 ? 1 : 2,
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
        name: `block${i}_conv`,
      })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `block${i}_bn` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .activation({ activation: 'relu', name: `block${i}_relu` })
      .apply(x) as tf.SymbolicTensor;
  }
  const gap = tf.layers.globalAveragePooling2d({ name: 'top_pool' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({
      units: 4,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed }),
      name: 'top_predictions',
    })
    .apply(gap) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name: 'tiny' });
  // Give the BN layers non-trivial statistics, as a pretrained backbone would have.
  for (const l of model.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const [gamma, beta, mean, variance] = l.getWeights();
    l.setWeights([
      gamma!,
      beta!,
      tf.randomNormal(mean!.shape, 0.1, 0.05, 'float32', seed),
      tf.randomUniform(variance!.shape, 0.5, 1.5, 'float32', seed),
    ]);
  }
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return tf.io.fromMemory(artifacts!);
}

/** The tiny backbone loaded as training tests use it: features end at `block3_relu`. */
export async function loadTinyBackbone(): Promise<Backbone> {
  return loadBackbone({
    ioHandler: await tinyBackboneHandler(),
    name: 'tiny',
    lastFeatureLayer: 'block3_relu',
  });
}
