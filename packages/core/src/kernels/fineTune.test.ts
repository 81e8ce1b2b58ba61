import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/catalog.js';
import type { Backbone } from '../backbones/types.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import type { DatasetSplit } from '../data/types.js';
import { MemoryFeatureCache } from '../training/featureCache.js';
import type { OptimizerName } from '../training/spec.js';
import { trainTransferModel, type TrainResult } from '../training/train.js';
import {
  originalFusedBatchNormGrad,
  originalKernel,
  registerTrainingKernels,
  withOriginalKernels,
} from './register.js';

registerTrainingKernels();

/**
 * The reference side of every comparison here runs on the cpu backend with tfjs' own gradient
 * kernels and FusedBatchNorm gradient ({@link withOriginalKernels}): Graft registers its filter
 * gradients on cpu too, so a plain cpu run would check Graft against itself.
 */
async function onOriginalCpu<T>(fn: () => T | Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  return withOriginalKernels('cpu', async () => {
    for (const k of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter'])
      expect(tf.getKernel(k, 'cpu')!.kernelFunc, k).toBe(originalKernel(k, 'cpu')!.kernelFunc);
    expect(tf.getGradient('FusedBatchNorm')).toBe(originalFusedBatchNormGrad());
    return fn();
  });
}

/** max |a|. */
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** max |a - b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/**
 * A small MobileNetV2-like model: strided conv + BN + ReLU6, then an inverted-residual block
 * (1x1 expand, depthwise 3x3 at stride 1 and 2, BN in inference mode, ReLU6, 1x1 project, Add),
 * global pooling and a softmax head. Everything trainable but the BN statistics.
 */
function buildModel(): tf.LayersModel {
  const init = (seed: number): ReturnType<typeof tf.initializers.glorotUniform> =>
    tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [13, 13, 3] });
  const bn = (name: string): tf.layers.Layer =>
    tf.layers.batchNormalization({
      name,
      movingMeanInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: 7 }),
      movingVarianceInitializer: tf.initializers.randomUniform({
        minval: 0.5,
        maxval: 1.5,
        seed: 8,
      }),
    });
  const relu6 = (name: string): tf.layers.Layer => tf.layers.reLU({ maxValue: 6, name });
  const apply = (l: tf.layers.Layer, x: tf.SymbolicTensor): tf.SymbolicTensor =>
    l.apply(x) as tf.SymbolicTensor;
  let x = apply(
    tf.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      kernelInitializer: init(1),
      name: 'stem',
    }),
    input,
  );
  x = apply(relu6('stem_relu'), apply(bn('stem_bn'), x));
  let y = apply(
    tf.layers.conv2d({ filters: 16, kernelSize: 1, kernelInitializer: init(2), name: 'expand' }),
    x,
  );
  y = apply(relu6('expand_relu'), apply(bn('expand_bn'), y));
  y = apply(
    tf.layers.depthwiseConv2d({
      kernelSize: 3,
      padding: 'same',
      depthwiseInitializer: init(3),
      name: 'dw',
    }),
    y,
  );
  y = apply(relu6('dw_relu'), apply(bn('dw_bn'), y));
  y = apply(
    tf.layers.conv2d({ filters: 8, kernelSize: 1, kernelInitializer: init(4), name: 'project' }),
    y,
  );
  x = tf.layers.add({ name: 'add' }).apply([x, apply(bn('project_bn'), y)]) as tf.SymbolicTensor;
  x = apply(
    tf.layers.depthwiseConv2d({
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      depthMultiplier: 2,
      depthwiseInitializer: init(5),
      name: 'dw2',
    }),
    x,
  );
  x = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
  const out = apply(
    tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(6), name: 'head' }),
    x,
  );
  return tf.model({ inputs: input, outputs: out });
}

/** Losses of the first `steps` steps on the active backend, from the given initial weights. */
function lossCurve(
  weights: { shape: number[]; data: Float32Array }[],
  optimizer: 'adam' | 'sgd',
  steps: number,
): number[] {
  const model = buildModel();
  model.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
  const x = tf.randomUniform([16, 13, 13, 3], 0, 1, 'float32', 11);
  const y = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 16 }, (_, i) => i % 3),
      'int32',
    ),
    3,
  );
  const opt = optimizer === 'adam' ? tf.train.adam(0.01) : tf.train.sgd(0.1);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: false }) as tf.Tensor),
      true,
      trainable,
    )!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  opt.dispose();
  tf.dispose([x, y]);
  model.dispose();
  return losses;
}

describe('fine-tuning through depthwise convolutions on wasm (toy model)', () => {
  for (const optimizer of ['adam', 'sgd'] as const) {
    it(`${optimizer}: the first steps' losses on wasm match tfjs' own cpu kernels`, async () => {
      await tf.setBackend('cpu');
      const init = buildModel();
      const weights = init
        .getWeights()
        .map((w) => ({ shape: w.shape, data: w.dataSync() as Float32Array }));
      init.dispose();
      const cpu = await onOriginalCpu(() => lossCurve(weights, optimizer, 6));
      await tf.setBackend('wasm');
      const wasm = lossCurve(weights, optimizer, 6);
      // It learns (the loss falls), and the two backends agree step for step: float32 rounding
      // differs (XNNPACK vs JavaScript summation order), so relative 1e-4.
      expect(cpu.at(-1)!).toBeLessThan(cpu[0]!);
      for (let i = 0; i < cpu.length; i++)
        expect(
          Math.abs(wasm[i]! - cpu[i]!) / cpu[i]!,
          `step ${i}: ${wasm[i]} vs ${cpu[i]}`,
        ).toBeLessThan(1e-4);
    });
  }
});

describe("fine-tuning MobileNetV2's top on wasm matches tfjs' own cpu kernels", () => {
  let mobilenet: Backbone;
  let data: DatasetSplit;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    mobilenet = await loadBackbone({ source: 'mobilenet_v2' });
    // 4 training images: one batch, so every epoch is one step and the history is the loss
    // curve. (tfjs' own cpu filter gradients still take ~3 s a step.)
    data = splitDataset({
      set: loadMnistDigits({ digits: [0, 1], limit: 8 }),
      seed: 5,
      validationFraction: 1 / 4,
      testFraction: 1 / 4,
    });
  });
  // Both runs share the cache: the cpu run gets the very features the wasm run computed.
  const featureCache = new MemoryFeatureCache();

  for (const optimizer of ['adam', 'sgd'] as const satisfies readonly OptimizerName[]) {
    it(`${optimizer}: the same loss curve and the same weight updates, step for step`, async () => {
      const run = (backend: 'wasm' | 'cpu'): Promise<TrainResult> =>
        trainTransferModel({
          backbone: mobilenet,
          data,
          // At 32x32 the last five blocks see 2x2 then 1x1 maps: block_13's explicit pad and
          // stride-2 depthwise, 1x1 expand/project convolutions, the residual Adds, Conv_1.
          surgery: {
            inputShape: [32, 32, 3],
            freeze: { kind: 'allButLastBlocks', blocks: 5 },
            head: { classes: ['0', '1'] },
          },
          train: {
            mode: 'fine-tuning',
            epochs: 2,
            batchSize: 4,
            optimizer,
            learningRate: 1e-2,
            // Adam moves every weight by ~lr at once: 1e-3 over five blocks overshoots.
            fineTune: { epochs: 2, learningRate: optimizer === 'adam' ? 1e-4 : 1e-3 },
            earlyStopping: false,
            engine: { workers: 0, trainingBackend: backend },
          },
          featureCache,
        });
      const wasm = await run('wasm');
      const cpu = await onOriginalCpu(() => run('cpu'));
      const original = tf.io.decodeWeights(
        mobilenet.artifacts.weightData,
        mobilenet.artifacts.weightSpecs,
      );
      try {
        expect(wasm.phases.map((p) => p.backends.training)).toEqual(['wasm', 'wasm']);
        expect(cpu.phases.map((p) => p.backends.training)).toEqual(['cpu', 'cpu']);
        expect(wasm.phases[1]!.trainableLayers).toEqual(cpu.phases[1]!.trainableLayers);
        for (const l of ['block_13_pad', 'block_13_depthwise', 'block_16_project', 'Conv_1'])
          expect(wasm.phases[1]!.trainableLayers).toContain(l);
        // Training losses (each before its step) and validation losses (after it): it learns,
        // and the backends agree to float32 rounding over 4 steps (relative 1e-4).
        const curve = (r: TrainResult): number[] => r.history.flatMap((m) => [m.loss, m.valLoss]);
        const a = curve(wasm);
        const b = curve(cpu);
        expect(a).toHaveLength(8);
        expect(b[6]!).toBeLessThan(b[0]!);
        for (let i = 0; i < b.length; i++)
          expect(Math.abs(a[i]! - b[i]!) / b[i]!, `${i}: ${a[i]} vs ${b[i]}`).toBeLessThan(1e-4);
        // The fine-tuned backbone weights moved by the same amounts: the loss alone is dominated
        // by the head and would hide a wrong gradient in a backbone layer. Relative to the
        // largest update of each tensor: 1e-2 (Adam divides by sqrt(v) + 1e-7, which magnifies
        // rounding in the near-zero gradients of a few elements; SGD stays far below).
        const top = new Set(wasm.phases[1]!.trainableLayers);
        let compared = 0;
        for (const layer of wasm.model.layers.filter((l) => top.has(l.name))) {
          const other = cpu.model.getLayer(layer.name);
          for (const [i, w] of layer.weights.entries()) {
            const before = original[w.originalName];
            if (!before || !w.trainable) continue;
            const [dw, dc] = tf.tidy(() => [
              tf.sub(w.read(), before).dataSync(),
              tf.sub(other.weights[i]!.read(), before).dataSync(),
            ]);
            expect(maxAbs(dc!), `${w.originalName} moved`).toBeGreaterThan(0);
            expect(relErr(dw!, dc!), w.originalName).toBeLessThan(1e-2);
            compared++;
          }
        }
        expect(compared).toBeGreaterThan(20);
      } finally {
        tf.dispose(Object.values(original));
        wasm.model.dispose();
        cpu.model.dispose();
      }
    });
  }
});
