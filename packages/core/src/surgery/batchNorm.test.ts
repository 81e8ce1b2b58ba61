import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { enforceBatchNormInference } from './batchNorm.js';

/** A BN layer without scale (as in InceptionV3) with non-trivial moving statistics. */
function model(scale: boolean) {
  const input = tf.input({ shape: [4, 4, 3] });
  const conv = tf.layers.conv2d({ filters: 3, kernelSize: 1, useBias: false, name: 'conv' });
  const bn = tf.layers.batchNormalization({ scale, name: 'bn' });
  const out = bn.apply(conv.apply(input)) as tf.SymbolicTensor;
  const m = tf.model({ inputs: input, outputs: out });
  const [mean, variance] = [tf.tensor1d([0.5, -1, 2]), tf.tensor1d([4, 0.25, 1])];
  const weights = bn.getWeights();
  // Weights order: [gamma?], beta, movingMean, movingVariance.
  bn.setWeights([...weights.slice(0, weights.length - 2), mean, variance]);
  return { m, bn };
}

describe('BatchNormalization in inference mode', () => {
  it('keeps the inference output of a scale-less BN and lets gradients through it', () => {
    tf.setBackend('cpu');
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 7);
    const { m, bn } = model(false);
    const before = m.predict(x) as tf.Tensor;
    expect(enforceBatchNormInference([bn])).toBe(1);
    // Training-mode call still uses the moving statistics, and matches tfjs' inference output.
    const after = m.apply(x, { training: true }) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).toBeLessThan(1e-5);
    // tfjs alone throws here (no gradient of batchNorm without a scale).
    const conv = m.getLayer('conv').trainableWeights[0]!.read() as tf.Variable;
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(m.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar,
      [conv],
    );
    const g = Object.values(grads)[0]!;
    expect(g.shape).toEqual([1, 1, 3, 3]);
    expect(Number.isFinite(tf.sum(tf.abs(g)).dataSync()[0]!)).toBe(true);
    expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
  });
});
