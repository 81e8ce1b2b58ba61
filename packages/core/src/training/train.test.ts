import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/catalog.js';
import type { Backbone } from '../backbones/types.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import type { DatasetSplit } from '../data/types.js';
import { DangerousLearningRateError, GraftError } from '../errors.js';
import { loadTinyBackbone, tinyBackboneHandler } from '../testing/tinyBackbone.js';
import type { SurgerySpec } from '../surgery/spec.js';
import { MemoryFeatureCache } from './featureCache.js';
import type { TrainSpec } from './spec.js';
import { trainTransferModel } from './train.js';
import { buildLineageRecord } from './lineage.js';
import { validateLineageRecord } from '../lineage/index.js';
import { InProcessForward, WorkerPoolForward } from './frozenForward.js';
import { modelToArtifacts } from '../backbones/artifacts.js';
import { applySurgery } from '../surgery/surgery.js';
import { splitAtFreezeBoundary } from '../surgery/split.js';

let tiny: Backbone;
let data: DatasetSplit;
const surgery = (freeze?: SurgerySpec['freeze']): SurgerySpec => ({
  inputShape: [16, 16, 3],
  head: { classes: ['0', '1', '2'], pooling: 'flatten' },
  ...(freeze ? { freeze } : {}),
});
const fe: TrainSpec = {
  mode: 'feature-extraction',
  epochs: 3,
  learningRate: 0.01,
  batchSize: 32,
  engine: { workers: 0 },
};

beforeAll(async () => {
  tiny = await loadTinyBackbone();
  data = splitDataset({ set: loadMnistDigits({ digits: [0, 1, 2], limit: 300 }), seed: 1 });
});

function bnStats(model: tf.LayersModel): Float32Array[] {
  return model.layers
    .filter((l) => l.getClassName() === 'BatchNormalization')
    .flatMap((l) =>
      l
        .getWeights()
        .slice(2)
        .map((w) => w.dataSync() as Float32Array)
        .map((d) => d.slice()),
    );
}

describe('trainTransferModel', () => {
  it('trains a head on a frozen backbone and evaluates it', async () => {
    const r = await trainTransferModel({
      backbone: tiny,
      data,
      surgery: surgery(),
      train: fe,
      featureCache: new MemoryFeatureCache(),
    });
    try {
      expect(r.phases).toHaveLength(1);
      expect(r.phases[0]!.boundary).toEqual(['head_flatten']);
      expect(r.phases[0]!.featureCache.hit).toBe(false);
      expect(r.history.length).toBeGreaterThan(0);
      expect(r.evaluation.count).toBe(data.test.count);
      // Three easy digits, a random conv backbone, 3 epochs: clearly better than chance (1/3).
      expect(r.evaluation.accuracy).toBeGreaterThan(0.75);
      expect(r.surgery.trainableParams).toBe(4 * 4 * 16 * 3 + 3);
      const record = await buildLineageRecord({
        backbone: tiny,
        surgery: surgery(),
        train: fe,
        data,
        result: r,
      });
      expect(validateLineageRecord(JSON.parse(JSON.stringify(record)))).toEqual([]);
      expect(record.backbone.weightsSha256).toBe(tiny.fingerprint.weightsSha256);
      expect(record.surgery.frozenLayers).toContain('block1_conv');
      expect(record.training.phases[0]!.learningRate).toBe(0.01);
    } finally {
      r.model.dispose();
    }
  });

  it('reuses the cached frozen features on a second run', async () => {
    const cache = new MemoryFeatureCache();
    const first = await trainTransferModel({
      backbone: tiny,
      data,
      surgery: surgery(),
      train: fe,
      featureCache: cache,
    });
    const second = await trainTransferModel({
      backbone: tiny,
      data,
      surgery: surgery(),
      train: fe,
      featureCache: cache,
    });
    expect(first.phases[0]!.featureCache.hit).toBe(false);
    expect(second.phases[0]!.featureCache.hit).toBe(true);
    expect(second.phases[0]!.featureCache.key).toBe(first.phases[0]!.featureCache.key);
    first.model.dispose();
    second.model.dispose();
  });

  it('is deterministic from its seed', async () => {
    const run = async (seed: number): Promise<string> => {
      const r = await trainTransferModel({
        backbone: tiny,
        data,
        surgery: {
          ...surgery(),
          head: {
            classes: ['0', '1', '2'],
            pooling: 'flatten',
            dense: [{ units: 8, dropout: 0.5 }],
          },
        },
        train: { ...fe, seed },
      });
      r.model.dispose();
      return r.weightsSha256;
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('fine-tunes the top with BatchNorm statistics frozen (the Keras rule)', async () => {
    const r = await trainTransferModel({
      backbone: tiny,
      data,
      surgery: surgery({ kind: 'allButLastBlocks', blocks: 1 }),
      train: { ...fe, mode: 'fine-tuning', fineTune: { epochs: 2, learningRate: 1e-3 } },
    });
    try {
      expect(r.phases.map((p) => p.name)).toEqual(['head', 'fine-tune']);
      expect(r.phases[1]!.trainableLayers).toEqual(['block3_conv', 'block3_bn', 'block3_relu']);
      expect(r.phases[1]!.boundary).toEqual(['block2_relu']);
      const before = await loadBackbone({
        ioHandler: await tinyBackboneHandler(),
        name: 'tiny2',
        lastFeatureLayer: 'block3_relu',
      });
      const original = tf.io.decodeWeights(
        before.artifacts.weightData,
        before.artifacts.weightSpecs,
      );
      const bn3 = r.model.getLayer('block3_bn').getWeights();
      // Moving mean and variance: unchanged by fine-tuning, to the bit.
      expect(Array.from(bn3[2]!.dataSync())).toEqual(
        Array.from(original['block3_bn/moving_mean']!.dataSync()),
      );
      expect(Array.from(bn3[3]!.dataSync())).toEqual(
        Array.from(original['block3_bn/moving_variance']!.dataSync()),
      );
      // ...while the unfrozen conv kernel did train.
      const k = r.model.getLayer('block3_conv').getWeights()[0]!;
      expect(
        tf.max(tf.abs(tf.sub(k, original['block3_conv/kernel']!))).dataSync()[0],
      ).toBeGreaterThan(0);
      tf.dispose(original);
    } finally {
      r.model.dispose();
    }
  });

  it('would change BatchNorm statistics without the rule (the test above can fail)', async () => {
    const model = await tf.loadLayersModel(await tinyBackboneHandler());
    const before = bnStats(model);
    tf.tidy(() => {
      model.apply(tf.randomUniform([8, 16, 16, 3]), { training: true });
    });
    const after = bnStats(model);
    expect(after.some((a, i) => a.some((v, j) => v !== before[i]![j]))).toBe(true);
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const run = async (): Promise<void> => {
      const r = await trainTransferModel({
        backbone: tiny,
        data,
        surgery: surgery({ kind: 'allButLastBlocks', blocks: 1 }),
        train: {
          ...fe,
          epochs: 1,
          mode: 'fine-tuning',
          fineTune: { epochs: 1 },
          augmentation: { flipHorizontal: true },
        },
      });
      r.model.dispose();
    };
    await run(); // warm-up: backends and kernels allocate once
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the event loop a turn every batch (so a worker heartbeats and writes progress)', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    // Ticks seen at each training batch: with only microtask awaits, none fire between batches.
    const ticksAtBatch: number[] = [];
    try {
      await trainTransferModel({
        backbone: tiny,
        data,
        surgery: surgery(),
        train: { ...fe, epochs: 2, batchSize: 16 },
        onProgress: (p) => {
          if (p.stage === 'train') ticksAtBatch.push(ticks);
        },
      }).then((r) => r.model.dispose());
    } finally {
      clearInterval(timer);
    }
    expect(ticksAtBatch.length).toBeGreaterThan(10);
    const turns = ticksAtBatch.slice(1).filter((t, i) => t > ticksAtBatch[i]!).length;
    expect(turns).toBeGreaterThanOrEqual((ticksAtBatch.length - 1) / 2);
  });

  it('stops when its signal is aborted, with the reason, and leaks nothing', async () => {
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    let batches = 0;
    const reason = new Error('cancelled by the user');
    await expect(
      trainTransferModel({
        backbone: tiny,
        data,
        surgery: surgery(),
        train: { ...fe, epochs: 5 },
        signal: controller.signal,
        onProgress: (p) => {
          if (p.stage === 'train' && ++batches === 3) controller.abort(reason);
        },
      }),
    ).rejects.toBe(reason);
    expect(batches).toBe(3); // no batch ran after the abort
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a dangerous fine-tuning learning rate, with the reason', async () => {
    const train: TrainSpec = { ...fe, mode: 'fine-tuning', fineTune: { learningRate: 0.01 } };
    const args = {
      backbone: tiny,
      data,
      surgery: surgery({ kind: 'allButLastBlocks', blocks: 1 }),
      train,
    };
    const err = await trainTransferModel(args).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DangerousLearningRateError);
    expect((err as GraftError).field).toBe('train.fineTune.learningRate');
    expect((err as Error).message).toMatch(/destroy the features/);
    const allowed = await trainTransferModel({
      ...args,
      train: {
        ...train,
        epochs: 1,
        fineTune: { epochs: 1, learningRate: 0.01 },
        allowHighLearningRate: true,
      },
    });
    allowed.model.dispose();
  });

  it('refuses specs that do not fit the mode or the data', async () => {
    const cases: [Parameters<typeof trainTransferModel>[0], string][] = [
      [
        {
          backbone: tiny,
          data,
          surgery: surgery({ kind: 'upTo', layer: 'block2_relu' }),
          train: fe,
        },
        'surgery.freeze',
      ],
      [
        { backbone: tiny, data, surgery: surgery(), train: { ...fe, mode: 'fine-tuning' } },
        'surgery.freeze',
      ],
      [
        {
          backbone: tiny,
          data,
          surgery: { ...surgery(), head: { classes: ['a', 'b', 'c'] } },
          train: fe,
        },
        'surgery.head.classes',
      ],
      [{ backbone: tiny, data, surgery: surgery(), train: { ...fe, epochs: 0 } }, 'train.epochs'],
      [
        {
          backbone: tiny,
          data,
          surgery: surgery(),
          train: { ...fe, mode: 'transfer' as 'fine-tuning' },
        },
        'train.mode',
      ],
    ];
    for (const [args, field] of cases) {
      const err = await trainTransferModel(args).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GraftError);
      expect((err as GraftError).field).toBe(field);
    }
  });
});

describe('backend routing', () => {
  it('trains a trainable part with depthwise convolutions on wasm (Graft registers their gradients), BN statistics frozen', async () => {
    const mobilenet = await loadBackbone({ source: 'mobilenet_v2' });
    const lines: string[] = [];
    const r = await trainTransferModel({
      backbone: mobilenet,
      data,
      surgery: {
        inputShape: [32, 32, 3],
        freeze: { kind: 'allButLastBlocks', blocks: 2 },
        head: { classes: ['0', '1', '2'] },
      },
      train: { mode: 'fine-tuning', epochs: 1, fineTune: { epochs: 1 }, engine: { workers: 0 } },
      log: (l) => lines.push(l),
    });
    try {
      expect(r.phases[1]!.trainableLayers).toContain('block_16_depthwise');
      expect(r.phases.map((p) => p.backends.training)).toEqual(['wasm', 'wasm']);
      expect(lines.join('\n')).not.toMatch(/cannot train through/);
      // The moving statistics of the unfrozen BatchNormalization layers did not move.
      const original = tf.io.decodeWeights(
        mobilenet.artifacts.weightData,
        mobilenet.artifacts.weightSpecs,
      );
      const bn = r.model.getLayer('block_16_depthwise_BN').getWeights();
      expect(Array.from(bn[2]!.dataSync())).toEqual(
        Array.from(original['block_16_depthwise_BN/moving_mean']!.dataSync()),
      );
      expect(Array.from(bn[3]!.dataSync())).toEqual(
        Array.from(original['block_16_depthwise_BN/moving_variance']!.dataSync()),
      );
      // ...while the depthwise kernel trained (on wasm).
      const k = r.model.getLayer('block_16_depthwise').getWeights()[0]!;
      const moved = tf.max(tf.abs(tf.sub(k, original['block_16_depthwise/depthwise_kernel']!)));
      expect(moved.dataSync()[0]).toBeGreaterThan(0);
      tf.dispose([moved, ...Object.values(original)]);
    } finally {
      r.model.dispose();
    }
  });
});

describe('frozen forward engines', () => {
  it('the worker pool computes the same features as the in-process engine', async () => {
    const { model } = await applySurgery({ backbone: tiny, spec: surgery() });
    const split = splitAtFreezeBoundary(model);
    const args = {
      artifacts: await modelToArtifacts(split.prefix!),
      outputShapes: split.boundaryShapes,
      preprocessing: tiny.preprocessing,
      inputSize: [16, 16] as [number, number],
      backend: 'cpu' as const,
      batchSize: 16,
    };
    const local = new InProcessForward(args);
    const pool = await WorkerPoolForward.create({ ...args, workers: 2 });
    const progress: number[] = [];
    try {
      const a = await local.run({ set: data.validation });
      const b = await pool.run({ set: data.validation, onProgress: (done) => progress.push(done) });
      expect(b.count).toBe(data.validation.count);
      expect(Array.from(b.blocks[0]!.data)).toEqual(Array.from(a.blocks[0]!.data));
      expect(progress.at(-1)).toBe(data.validation.count);
      expect(pool.description).toEqual({
        engine: 'tfjs-wasm',
        kind: 'worker-pool',
        backend: 'cpu',
        workers: 2,
        threads: 0,
      });
    } finally {
      await pool.dispose();
      await local.dispose();
      split.suffix.dispose();
      model.dispose();
    }
  });
});
