import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/catalog.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import { imagesToTensor } from '../data/tensors.js';
import type { DatasetSplit } from '../data/types.js';
import { MemoryFeatureCache } from '../training/featureCache.js';
import type { OptimizerName } from '../training/spec.js';
import { trainTransferModel } from '../training/train.js';

/**
 * Issue 7: the top blocks of every catalog CNN family fine-tune on the wasm backend (Graft's
 * gradient kernels registered, nothing routed to cpu), with each optimiser. Small inputs and one
 * batch per phase keep each run to about a second: what is checked is that every gradient kernel
 * the backward pass calls exists on wasm and that a step moves the weights, not convergence. (A
 * kernel missing on wasm either throws inside the step or, if trainability.ts knows of it, routes
 * the phase to cpu with a log line: both fail here.)
 */
interface Case {
  source: string;
  /** The smallest input each architecture accepts (InceptionV3 75, MobileNetV2 and ResNet50 32). */
  size: number;
  blocks: number;
  /** Layers of the unfrozen top that must be among the trainable ones (what the case covers). */
  covers: string[];
  /**
   * Layers of the unfrozen top whose weights get no gradient at all, because all their paths to
   * the output go through ReLUs in `dead` that are zero for these images (checked below).
   */
  noGradient?: { layers: string[]; dead: string[] };
}
const cases: Case[] = [
  {
    source: 'inception_v3',
    size: 75,
    blocks: 1,
    // 1x1, 1x3/3x1 and 3x3 convolutions, the 3x3 average pooling branch, Concatenate.
    covers: ['conv2d_86', 'conv2d_88', 'conv2d_89', 'average_pooling2d_9', 'conv2d_94', 'mixed10'],
    // The pretrained (nsfwjs) weights leave mixed10's 3x3 double branch dead: its last two
    // BatchNorm offsets push every pre-activation below zero, whatever the input.
    noGradient: {
      layers: [
        'conv2d_90',
        'batch_normalization_90',
        'conv2d_91',
        'batch_normalization_91',
        'conv2d_92',
        'batch_normalization_92',
        'conv2d_93',
        'batch_normalization_93',
      ],
      dead: ['activation_92', 'activation_93'],
    },
  },
  // Bottleneck block: 1x1 and 3x3 convolutions, BatchNorm, identity shortcut Add.
  { source: 'resnet50', size: 32, blocks: 1, covers: ['conv5_block3_2_conv', 'conv5_block3_add'] },
  // Three 3x3 convolutions and a 2x2 max pooling.
  { source: 'vgg16', size: 32, blocks: 1, covers: ['block5_conv3', 'block5_pool'] },
  // 5x5 valid convolution and max pooling; the in-house pretrained one also a Flatten.
  { source: 'lenet5', size: 28, blocks: 1, covers: ['conv2', 'pool2'] },
  { source: 'lenet5-mnist04', size: 28, blocks: 1, covers: ['conv2', 'pool2', 'flatten'] },
  // Inverted residuals: 1x1 expand, depthwise 3x3, ReLU6, project, Add, then the last 1x1 conv.
  {
    source: 'mobilenet_v2',
    size: 32,
    blocks: 2,
    covers: ['block_16_expand', 'block_16_depthwise', 'block_16_project', 'Conv_1'],
  },
];

/** Catalog entries built from a seed (not pretrained): built directly at the test size. */
const BUILT = new Set(['resnet50', 'vgg16', 'lenet5']);

let data: DatasetSplit;
beforeAll(() => {
  // 8 training images (one batch per phase), 2 + 2 held out.
  data = splitDataset({
    set: loadMnistDigits({ digits: [0, 1], limit: 12 }),
    seed: 3,
    validationFraction: 1 / 6,
    testFraction: 1 / 6,
  });
});

describe('fine-tuning the top blocks of each catalog backbone on wasm', () => {
  for (const c of cases) {
    // One feature cache per backbone: the second optimiser reuses the frozen features.
    const featureCache = new MemoryFeatureCache();
    for (const optimizer of ['adam', 'sgd'] as const satisfies readonly OptimizerName[]) {
      it(`${c.source} @${c.size}, last ${c.blocks} block(s), ${optimizer}`, async () => {
        const channels = c.source.startsWith('lenet5') ? 1 : 3;
        const backbone = await loadBackbone({
          source: c.source,
          ...(BUILT.has(c.source) ? { inputShape: [c.size, c.size, channels] } : {}),
        });
        expect(data.train.count).toBe(8);
        const lines: string[] = [];
        const r = await trainTransferModel({
          backbone,
          data,
          surgery: {
            inputShape: [c.size, c.size, channels],
            freeze: { kind: 'allButLastBlocks', blocks: c.blocks },
            head: { classes: ['0', '1'] },
          },
          train: {
            mode: 'fine-tuning',
            epochs: 1,
            batchSize: 8,
            optimizer,
            learningRate: 1e-2,
            // The highest safe rate: SGD steps of 1e-5 x small gradients can round away in
            // float32 next to weights of ~0.1, and "the weights moved" would then test nothing.
            fineTune: { epochs: 1, learningRate: 1e-3 },
            earlyStopping: false,
            engine: { workers: 0 },
          },
          featureCache,
          log: (l) => lines.push(l),
        });
        const original = tf.io.decodeWeights(
          backbone.artifacts.weightData,
          backbone.artifacts.weightSpecs,
        );
        try {
          // Both phases trained on wasm; nothing was routed to cpu.
          expect(r.phases.map((p) => p.name)).toEqual(['head', 'fine-tune']);
          expect(r.phases.map((p) => p.backends.training)).toEqual(['wasm', 'wasm']);
          expect(r.phases.map((p) => p.optimizer)).toEqual([optimizer, optimizer]);
          expect(lines.join('\n')).not.toMatch(/cannot train through|routed to/);
          expect(tf.getBackend()).toBe('wasm');
          const top = new Set(r.phases[1]!.trainableLayers);
          for (const name of c.covers) expect(top, `${name} trainable`).toContain(name);
          for (const m of r.history) {
            expect(Number.isFinite(m.loss), `${m.phase} loss ${m.loss}`).toBe(true);
            expect(Number.isFinite(m.valLoss), `${m.phase} valLoss ${m.valLoss}`).toBe(true);
          }
          expect(r.history.map((m) => m.phase)).toEqual(['head', 'fine-tune']);

          // Every trainable backbone weight of the unfrozen top moved (but those with no
          // gradient); the moving statistics of its BatchNorm layers did not (the Keras rule).
          const noGradient = new Set(c.noGradient?.layers ?? []);
          let trained = 0;
          for (const layer of r.model.layers.filter((l) => top.has(l.name))) {
            for (const w of layer.weights) {
              const before = original[w.originalName];
              if (!before) continue; // not a backbone weight
              const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(w.read(), before))).dataSync()[0]!);
              if (w.trainable && !noGradient.has(layer.name)) {
                expect(moved, `${w.originalName} trained`).toBeGreaterThan(0);
                trained++;
              } else {
                expect(moved, `${w.originalName} unchanged`).toBe(0);
              }
            }
          }
          expect(trained).toBeGreaterThan(0);
          if (c.noGradient) {
            // Why those weights could not move: the ReLUs after them are zero for every image.
            // (Node 0: the whole model's application; splitting it applied the layers again.)
            const probe = tf.model({
              inputs: r.model.inputs,
              outputs: c.noGradient.dead.map(
                (n) => r.model.getLayer(n).getOutputAt(0) as tf.SymbolicTensor,
              ),
            });
            const x = imagesToTensor({
              set: data.train,
              start: 0,
              end: data.train.count,
              preprocessing: backbone.preprocessing,
              size: [c.size, c.size],
            });
            const outs = probe.predict(x) as tf.Tensor[];
            for (const [i, o] of outs.entries())
              expect(tf.max(o).dataSync()[0], c.noGradient.dead[i]).toBe(0);
            tf.dispose([x, ...outs]);
          }
        } finally {
          tf.dispose(Object.values(original));
          r.model.dispose();
        }
      });
    }
  }
});
