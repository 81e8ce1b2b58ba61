import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerTrainingKernels } from './register.js';

registerTrainingKernels();

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

describe('fine-tuning through depthwise convolutions on wasm', () => {
  for (const optimizer of ['adam', 'sgd'] as const) {
    it(`${optimizer}: the first steps' losses on wasm match the cpu backend`, async () => {
      await tf.setBackend('cpu');
      const init = buildModel();
      const weights = init
        .getWeights()
        .map((w) => ({ shape: w.shape, data: w.dataSync() as Float32Array }));
      init.dispose();
      const cpu = lossCurve(weights, optimizer, 6);
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
