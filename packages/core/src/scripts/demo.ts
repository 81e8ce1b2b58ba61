/**
 * The classic transfer experiment (Keras' mnist_transfer_cnn): a CNN pretrained on MNIST digits 0-4
 * (`lenet5-mnist04`) with its convolutions frozen, and a new head trained on digits 5-9.
 *
 *   npm run demo -w @graft/core                                        # lenet5-mnist04, feature extraction
 *   npm run demo -w @graft/core -- --backbone mobilenet_v2 --input 96  # ImageNet-style backbone, digits upsampled
 *   npm run demo -w @graft/core -- --fine-tune                         # then unfreeze LeNet's last conv at a low rate
 *
 * Progress goes to stderr; the last stdout line is JSON:
 *   {"demo":"mnist-transfer","testAccuracy":..,"seconds":..}
 */
import { parseArgs } from 'node:util';
import { loadBackbone } from '../backbones/catalog.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import { GraftError } from '../errors.js';
import type { SurgerySpec } from '../surgery/spec.js';
import type { TrainSpec } from '../training/spec.js';
import { trainTransferModel } from '../training/train.js';

const { values } = parseArgs({
  options: {
    backbone: { type: 'string', default: 'lenet5-mnist04' },
    input: { type: 'string' },
    epochs: { type: 'string', default: '15' },
    lr: { type: 'string', default: '5e-4' },
    patience: { type: 'string', default: '5' },
    'fine-tune': { type: 'boolean', default: false },
    workers: { type: 'string' },
    seed: { type: 'string', default: '42' },
  },
});

const started = Date.now();
const digits = [5, 6, 7, 8, 9];
try {
  const backbone = await loadBackbone({ source: values.backbone! });
  const size = values.input ? Number(values.input) : backbone.inputShape[0];
  const data = splitDataset({ set: loadMnistDigits({ digits }), seed: Number(values.seed) });
  const classes = data.train.classes;
  const isLeNet = backbone.family === 'lenet';
  const surgery: SurgerySpec = {
    inputShape: [size, size, backbone.inputShape[2]],
    head: isLeNet
      ? { dense: [{ units: 128, dropout: 0.5 }], classes }
      : { pooling: 'avg', dense: [{ units: 128, dropout: 0.3 }], classes },
    ...(values['fine-tune']
      ? { freeze: { kind: 'allButLastBlocks', blocks: isLeNet ? 1 : 2 } }
      : {}),
  };
  const train: TrainSpec = {
    mode: values['fine-tune'] ? 'fine-tuning' : 'feature-extraction',
    epochs: Number(values.epochs),
    learningRate: Number(values.lr),
    batchSize: 32,
    seed: Number(values.seed),
    earlyStopping: { patience: Number(values.patience) },
    ...(values['fine-tune'] ? { fineTune: { epochs: 3, learningRate: 1e-4 } } : {}),
    ...(values.workers !== undefined ? { engine: { workers: Number(values.workers) } } : {}),
  };
  console.error(
    `graft demo: ${backbone.name} -> MNIST digits ${digits.join(',')} at ${size}x${size}; ` +
      `${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test images; ${train.mode}`,
  );
  let lastStage = '';
  const result = await trainTransferModel({
    backbone,
    data,
    surgery,
    train,
    log: (line) => console.error(`  ${line}`),
    onProgress: (p) => {
      if (
        p.stage === 'features' &&
        (p.batch === p.batches || `${p.stage}${p.phase}` !== lastStage)
      ) {
        lastStage = `${p.stage}${p.phase}`;
        if (p.batch === p.batches)
          console.error(
            `  features ${p.phase}: ${p.batches} images, ${p.imagesPerSec.toFixed(0)} images/s`,
          );
      }
      if (p.stage === 'train' && p.valLoss !== undefined) {
        console.error(
          `  ${p.phase} epoch ${p.epoch}/${p.epochs}: loss ${p.loss!.toFixed(4)} acc ${p.accuracy!.toFixed(4)} ` +
            `val_loss ${p.valLoss.toFixed(4)} val_acc ${p.valAccuracy!.toFixed(4)} (${p.imagesPerSec.toFixed(0)} images/s)`,
        );
      }
    },
  });
  const e = result.evaluation;
  console.error(
    `  test accuracy ${e.accuracy.toFixed(4)}; per class F1: ${e.perClass.map((c) => `${c.className}=${c.f1.toFixed(3)}`).join(' ')}`,
  );
  console.error(
    `  phases: ${result.phases.map((p) => `${p.name} (${p.backends.inference} features${p.engine?.workers ? ` x${p.engine.workers} workers` : p.engine?.threads ? ` (${p.engine.threads} threads)` : ''}, ${p.backends.training} training, cache ${p.featureCache.hit ? 'hit' : 'miss'})`).join('; ')}`,
  );
  result.model.dispose();
  console.log(
    JSON.stringify({
      demo: 'mnist-transfer',
      backbone: backbone.id,
      input: size,
      mode: train.mode,
      testAccuracy: Number(e.accuracy.toFixed(4)),
      seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
    }),
  );
} catch (err) {
  if (err instanceof GraftError) {
    console.error(`error: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
