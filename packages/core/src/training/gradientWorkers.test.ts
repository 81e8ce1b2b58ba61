import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../backbones/types.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import type { DatasetSplit } from '../data/types.js';
import { validateLineageRecord } from '../lineage/index.js';
import { loadTinyBackbone, tinyBackboneHandler } from '../testing/tinyBackbone.js';
import { buildLineageRecord } from './lineage.js';
import type { TrainSpec } from './spec.js';
import { trainTransferModel, type TrainResult } from './train.js';

let tiny: Backbone;
let data: DatasetSplit;
/** The backbone's kernels before any training. */
const initial: Record<string, Float32Array> = {};

beforeAll(async () => {
  tiny = await loadTinyBackbone();
  data = splitDataset({ set: loadMnistDigits({ digits: [0, 1, 2], limit: 240 }), seed: 3 });
  const start = await tf.loadLayersModel(await tinyBackboneHandler());
  for (const layer of ['block2_conv', 'block3_conv']) initial[layer] = weightsOf(start, layer);
  start.dispose();
});

const fineTune = (
  trainingWorkers: number | undefined,
  optimizer: 'adam' | 'sgd',
): Promise<TrainResult> =>
  trainTransferModel({
    backbone: tiny,
    data,
    surgery: {
      inputShape: [16, 16, 3],
      freeze: { kind: 'allButLastBlocks', blocks: 2 },
      head: { classes: ['0', '1', '2'], pooling: 'avg' },
    },
    train: {
      mode: 'fine-tuning',
      epochs: 1,
      learningRate: 0.01,
      optimizer,
      batchSize: 16,
      earlyStopping: false,
      fineTune: { epochs: 2, learningRate: 1e-3 },
      engine: {
        workers: 0,
        trainingBackend: 'wasm',
        ...(trainingWorkers !== undefined ? { trainingWorkers } : {}),
      },
    } satisfies TrainSpec,
  });

const weightsOf = (m: tf.LayersModel, layer: string) =>
  m.getLayer(layer).getWeights()[0]!.dataSync().slice() as Float32Array;

describe('data-parallel training (gradient workers)', () => {
  // By default a phase that trains convolutions on wasm takes one thread per core (a head alone
  // stays in this thread); a forced count applies to every phase.
  const byDefault = Math.min(cpus().length, 8) >= 2 ? Math.min(cpus().length, 8) : 0;
  const cases = [
    { optimizer: 'adam', workers: undefined, expected: [0, byDefault] },
    { optimizer: 'sgd', workers: 2, expected: [2, 2] },
  ] as const;
  for (const { optimizer, workers, expected } of cases) {
    it(`fine-tunes on worker threads as it does in one (${optimizer}, workers: ${workers ?? 'default'})`, async () => {
      const before = tf.memory().numTensors;
      const serial = await fineTune(0, optimizer);
      const parallel = await fineTune(workers, optimizer);
      try {
        expect(serial.phases.map((p) => p.trainingWorkers)).toEqual([0, 0]);
        expect(parallel.phases.map((p) => p.trainingWorkers)).toEqual(expected);
        // The same losses, epoch by epoch (the shards' mean losses, weighted, are the batch's).
        const losses = (r: TrainResult) => r.history.map((h) => [h.loss, h.valLoss]).flat();
        losses(parallel).forEach((l, i) =>
          expect(Math.abs(l - losses(serial)[i]!) / losses(serial)[i]!).toBeLessThan(1e-4),
        );
        // The same training: how far each fine-tuned kernel moved agrees to 1% of its largest move.
        for (const layer of ['block2_conv', 'block3_conv']) {
          const w0 = initial[layer]!;
          const ws = weightsOf(serial.model, layer);
          const wp = weightsOf(parallel.model, layer);
          let largest = 0;
          let worst = 0;
          for (let i = 0; i < w0.length; i++) {
            largest = Math.max(largest, Math.abs(ws[i]! - w0[i]!));
            worst = Math.max(worst, Math.abs(wp[i]! - ws[i]!));
          }
          expect(largest).toBeGreaterThan(0);
          expect(worst / largest).toBeLessThan(1e-2);
        }
        const record = await buildLineageRecord({
          backbone: tiny,
          surgery: { head: { classes: ['0', '1', '2'] } },
          train: { mode: 'fine-tuning' },
          data,
          result: parallel,
          datasetId: 'test',
        });
        expect(record.training.phases.map((p) => p.trainingWorkers)).toEqual(expected);
        expect(validateLineageRecord(record)).toEqual([]);
      } finally {
        serial.model.dispose();
        parallel.model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('refuses a negative number of training workers', async () => {
    await expect(fineTune(-1, 'adam')).rejects.toThrow(/engine.trainingWorkers/);
  });
});
