import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/catalog.js';
import type { Backbone } from '../backbones/types.js';
import { GraftError, UnknownLayerError } from '../errors.js';
import { applySurgery, validateSurgerySpec } from './surgery.js';
import { splitAtFreezeBoundary } from './split.js';

let mobilenet: Backbone;
const head = { classes: ['a', 'b', 'c'] };

beforeAll(async () => {
  mobilenet = await loadBackbone({ source: 'mobilenet_v2' });
});

describe('pretrained MobileNetV2 from nsfwjs', () => {
  it('has the Keras architecture, dequantised float32 weights and a fingerprint', () => {
    expect(mobilenet.layerNames).toHaveLength(162);
    expect(mobilenet.inputShape).toEqual([224, 224, 3]);
    expect(mobilenet.lastFeatureLayer).toBe('out_relu');
    expect(mobilenet.preprocessing).toEqual({ scale: 1 / 255, offset: 0, channels: 3 });
    expect(
      mobilenet.artifacts.weightSpecs.every((s) => s.dtype === 'float32' && !s.quantization),
    ).toBe(true);
    expect(mobilenet.fingerprint.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(mobilenet.fingerprint.topologySha256).toMatch(/^[0-9a-f]{64}$/);
    // 16 inverted-residual blocks + the stem + the final 1x1 conv.
    expect(mobilenet.blockEnds).toHaveLength(18);
    expect(mobilenet.blockEnds.at(-1)).toBe('out_relu');
  });
});

describe('applySurgery', () => {
  it('cuts at out_relu by default, freezes everything and adds a softmax head', async () => {
    const r = await applySurgery({ backbone: mobilenet, spec: { inputShape: [96, 96, 3], head } });
    try {
      // Keras MobileNetV2(alpha=1, include_top=False) has 2,257,984 parameters.
      expect(r.frozenParams).toBe(2_257_984);
      expect(r.trainableParams).toBe(1280 * 3 + 3);
      expect(r.layers.find((l) => l.name === 'out_relu')!.outputShape).toEqual([3, 3, 1280]);
      expect(r.headLayers).toEqual(['head_pool', 'head_predictions']);
      expect(r.removedLayers).toEqual([
        'average_pooling2d_1',
        'flatten_1',
        'dense_1',
        'dropout_2',
        'dense_2',
        'dropout_3',
        'dense_3',
      ]);
      expect(r.trainableLayers).toEqual([]);
      expect(r.frozenLayers).toHaveLength(154);
      expect(r.layers).toHaveLength(155 + 2);
      expect(r.model.outputs[0]!.shape).toEqual([null, 3]);
      expect(r.batchNormLayers).toHaveLength(52);
    } finally {
      r.model.dispose();
    }
  });

  it('keeps the pretrained weights when the input shape changes', async () => {
    const r = await applySurgery({
      backbone: mobilenet,
      spec: { inputShape: [128, 128, 3], head },
    });
    try {
      const w = r.model.getLayer('Conv_1').getWeights()[0]!;
      const specIdx = mobilenet.artifacts.weightSpecs.findIndex((s) => s.name === 'Conv_1/kernel');
      const decoded = tf.io.decodeWeights(
        mobilenet.artifacts.weightData,
        mobilenet.artifacts.weightSpecs,
      );
      const original = decoded[mobilenet.artifacts.weightSpecs[specIdx]!.name]!;
      expect(tf.max(tf.abs(tf.sub(w, original))).dataSync()[0]).toBe(0);
      tf.dispose(decoded);
    } finally {
      r.model.dispose();
    }
  });

  it('cuts at a named layer and builds a head with dense layers and dropout', async () => {
    const r = await applySurgery({
      backbone: mobilenet,
      spec: {
        inputShape: [96, 96, 3],
        cutAt: 'block_13_expand_relu',
        head: {
          pooling: 'max',
          dense: [{ units: 64, dropout: 0.3 }],
          dropout: 0.2,
          classes: ['x', 'y'],
        },
      },
    });
    try {
      expect(r.layers.find((l) => l.name === 'block_13_expand_relu')!.outputShape).toEqual([
        6, 6, 576,
      ]);
      expect(r.headLayers).toEqual([
        'head_pool',
        'head_dense_1',
        'head_dropout_1',
        'head_dropout',
        'head_predictions',
      ]);
      expect(r.trainableParams).toBe(576 * 64 + 64 + 64 * 2 + 2);
      expect(r.removedLayers).toContain('block_13_pad');
    } finally {
      r.model.dispose();
    }
  });

  it('freezes up to a named layer', async () => {
    const r = await applySurgery({
      backbone: mobilenet,
      spec: { inputShape: [96, 96, 3], freeze: { kind: 'upTo', layer: 'block_15_add' }, head },
    });
    try {
      expect(r.frozenLayers.at(-1)).toBe('block_15_add');
      expect(r.trainableLayers[0]).toBe('block_16_expand');
      expect(r.trainableLayers).toHaveLength(8 + 3);
      const trainable = r.layers.filter((l) => l.trainable).reduce((s, l) => s + l.params, 0);
      // Trainable layers' parameters include BN moving statistics, which never train.
      expect(r.trainableParams).toBeLessThan(trainable);
      expect(r.trainableParams + r.frozenParams).toBe(2_257_984 + 1280 * 3 + 3);
    } finally {
      r.model.dispose();
    }
  });

  it('freezes all but the last N blocks', async () => {
    const r = await applySurgery({
      backbone: mobilenet,
      spec: { inputShape: [96, 96, 3], freeze: { kind: 'allButLastBlocks', blocks: 2 }, head },
    });
    try {
      expect(r.frozenLayers.at(-1)).toBe('block_15_add');
      expect(r.trainableLayers).toEqual([
        'block_16_expand',
        'block_16_expand_BN',
        'block_16_expand_relu',
        'block_16_depthwise',
        'block_16_depthwise_BN',
        'block_16_depthwise_relu',
        'block_16_project',
        'block_16_project_BN',
        'Conv_1',
        'Conv_1_bn',
        'out_relu',
      ]);
    } finally {
      r.model.dispose();
    }
  });

  it('freezes an explicit list and a pattern', async () => {
    const list = await applySurgery({
      backbone: mobilenet,
      spec: {
        inputShape: [96, 96, 3],
        freeze: { kind: 'layers', names: ['Conv1', 'bn_Conv1'] },
        head,
      },
    });
    expect(list.frozenLayers).toEqual(['Conv1', 'bn_Conv1']);
    list.model.dispose();
    const pattern = await applySurgery({
      backbone: mobilenet,
      spec: { inputShape: [96, 96, 3], freeze: { kind: 'pattern', pattern: '_BN$' }, head },
    });
    expect(pattern.frozenLayers.every((n) => n.endsWith('_BN'))).toBe(true);
    expect(pattern.frozenLayers).toHaveLength(2 + 16 * 3);
    pattern.model.dispose();
  });

  it('splits at the freeze boundary so that suffix(prefix(x)) equals the model', async () => {
    const r = await applySurgery({
      backbone: mobilenet,
      spec: { inputShape: [64, 64, 3], freeze: { kind: 'allButLastBlocks', blocks: 3 }, head },
    });
    try {
      const s = splitAtFreezeBoundary(r.model);
      expect(s.boundary).toEqual(['block_14_add']);
      const x = tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 3);
      const whole = r.model.predict(x) as tf.Tensor;
      const parts = s.suffix.predict(s.prefix!.predict(x) as tf.Tensor) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(whole, parts))).dataSync()[0]).toBeLessThan(1e-6);
      tf.dispose([x, whole, parts]);
    } finally {
      r.model.dispose();
    }
  });
});

describe('surgery errors', () => {
  const expectError = (fn: () => unknown, code: string, ...fragments: string[]): void => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(GraftError);
      expect((err as GraftError).code).toBe(code);
      for (const f of fragments) expect((err as Error).message).toContain(f);
      return;
    }
    throw new Error('expected an error');
  };

  it('lists the valid layers for an unknown cut layer', () => {
    expectError(
      () => validateSurgerySpec(mobilenet, { cutAt: 'block_99', head }),
      'UNKNOWN_LAYER',
      "unknown layer 'block_99'",
      'block_16_project_BN',
      'out_relu',
    );
    expect(() => validateSurgerySpec(mobilenet, { cutAt: 'block_99', head })).toThrow(
      UnknownLayerError,
    );
  });

  it('refuses an input below the minimum, with the reason', () => {
    expectError(
      () => validateSurgerySpec(mobilenet, { inputShape: [16, 16, 3], head }),
      'INVALID_SPEC',
      'minimum 32x32',
    );
  });

  it('refuses a channel count the first convolution was not trained on', () => {
    expectError(
      () => validateSurgerySpec(mobilenet, { inputShape: [96, 96, 1], head }),
      'INVALID_SPEC',
      '3',
    );
  });

  it('refuses freezing unknown layers, layers after the cut, bad blocks and empty patterns', () => {
    expectError(
      () => validateSurgerySpec(mobilenet, { freeze: { kind: 'upTo', layer: 'nope' }, head }),
      'UNKNOWN_LAYER',
      'Conv1',
    );
    expectError(
      () =>
        validateSurgerySpec(mobilenet, {
          cutAt: 'block_5_add',
          freeze: { kind: 'layers', names: ['Conv_1'] },
          head,
        }),
      'INVALID_SPEC',
      'after the cut',
    );
    expectError(
      () =>
        validateSurgerySpec(mobilenet, { freeze: { kind: 'allButLastBlocks', blocks: 99 }, head }),
      'INVALID_SPEC',
      'from 0 to 18',
    );
    expectError(
      () => validateSurgerySpec(mobilenet, { freeze: { kind: 'pattern', pattern: '^zzz' }, head }),
      'INVALID_SPEC',
      'matches no layer',
    );
    expectError(
      () => validateSurgerySpec(mobilenet, { freeze: { kind: 'pattern', pattern: '(' }, head }),
      'INVALID_SPEC',
      'invalid pattern',
    );
  });

  it('refuses heads with fewer than 2 classes or bad dropout', () => {
    expectError(
      () => validateSurgerySpec(mobilenet, { head: { classes: ['only'] } }),
      'INVALID_SPEC',
      'at least 2 classes',
    );
    expectError(
      () => validateSurgerySpec(mobilenet, { head: { classes: ['a', 'b'], dropout: 1.5 } }),
      'INVALID_SPEC',
      'dropout',
    );
  });
});
