/**
 * Feature extraction, planned (frozen prefix once on the fastest engine that can run it —
 * ONNX Runtime here — then only the head trains)
 * against naive (the whole surgery model with a frozen backbone given to tfjs `compile` + `fit`),
 * on the same images; then the planned run again with its features already cached.
 */
import * as tf from '@tensorflow/tfjs';
import { planBackends, useBackend, type BackendName } from '../../backend.js';
import type { Backbone } from '../../backbones/types.js';
import { loadMnistDigits } from '../../data/mnist.js';
import { splitDataset } from '../../data/split.js';
import { imagesToTensor, labelsToOneHot } from '../../data/tensors.js';
import type { DatasetSplit } from '../../data/types.js';
import { missingGradientKernels } from '../../kernels/trainability.js';
import { applySurgery } from '../../surgery/surgery.js';
import type { SurgerySpec } from '../../surgery/spec.js';
import { MemoryFeatureCache, type FeatureCache } from '../../training/featureCache.js';
import type { TrainSpec } from '../../training/spec.js';
import { trainTransferModel } from '../../training/train.js';
import { emit, log, round, secondsSince } from './report.js';

export interface FeVsNaiveOptions {
  images: number;
  epochs: number;
  size: number;
  batch: number;
  cutAt: string;
  /** Speed-up of planned over naive the project aims at. */
  target: number;
}

const DIGITS = [5, 6, 7, 8, 9];
const SEED = 42;

interface PlannedRun {
  seconds: number;
  featureSeconds: number;
  trainSeconds: number;
  hit: boolean;
  backends: { inference: BackendName | 'onnxruntime'; training: BackendName };
  engine: string;
  trainAccuracy: number;
  testAccuracy: number;
}

async function planned(
  backbone: Backbone,
  data: DatasetSplit,
  surgery: SurgerySpec,
  train: TrainSpec,
  cache: FeatureCache,
): Promise<PlannedRun> {
  const t0 = performance.now();
  const result = await trainTransferModel({
    backbone,
    data,
    surgery,
    train,
    featureCache: cache,
    log: (line) => log(`  planned: ${line}`),
  });
  const seconds = secondsSince(t0);
  result.model.dispose();
  const phase = result.phases[0]!;
  const last = result.history[result.history.length - 1];
  const e = phase.engine;
  return {
    seconds,
    featureSeconds: phase.featureSeconds,
    trainSeconds: phase.trainSeconds,
    hit: phase.featureCache.hit,
    backends: phase.backends,
    engine: e
      ? `${e.engine}:${e.backend}${e.workers ? `x${e.workers}` : ''}${e.threads ? `/${e.threads} threads` : ''}`
      : 'none',
    trainAccuracy: last?.accuracy ?? NaN,
    testAccuracy: result.evaluation.accuracy,
  };
}

interface NaiveRun {
  seconds: number;
  backend: BackendName;
  trainAccuracy: number;
}

/**
 * The whole model through tfjs `fit` on `backend`, the Keras way: every epoch runs the frozen
 * backbone again over the training images and the validation images (`validationData`), then
 * `evaluate` on the test split — the same work the planned run does.
 */
async function naiveOn(
  backend: BackendName,
  backbone: Backbone,
  data: DatasetSplit,
  surgery: SurgerySpec,
  opts: FeVsNaiveOptions,
): Promise<NaiveRun> {
  const t0 = performance.now();
  await useBackend(backend);
  const { model } = await applySurgery({ backbone, spec: surgery, seed: SEED });
  const tensors: tf.Tensor[] = [];
  try {
    // The same rule as the planner: a trainable layer needs its gradient kernels on `backend`.
    const blocker = model.trainableWeights.length
      ? model.layers
          .filter((l) => l.trainable)
          .map((l) => ({ l, missing: missingGradientKernels(l.getClassName(), backend) }))
          .find((b) => b.missing.length > 0)
      : undefined;
    if (blocker)
      throw new Error(
        `${backend} cannot train ${blocker.l.getClassName()} '${blocker.l.name}' (no ${blocker.missing.join(', ')} kernel)`,
      );
    const k = data.train.classes.length;
    const input = (set: DatasetSplit['train']): [tf.Tensor4D, tf.Tensor2D] => {
      const x = imagesToTensor({
        set,
        preprocessing: backbone.preprocessing,
        size: [opts.size, opts.size],
      });
      const y = labelsToOneHot(set.labels, k);
      tensors.push(x, y);
      return [x, y];
    };
    const [x, y] = input(data.train);
    const validationData = input(data.validation);
    const [xTest, yTest] = input(data.test);
    // 'adam' by name: default learning rate 1e-3 (as planned), and the model owns (disposes) it.
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const history = await model.fit(x, y, {
      epochs: opts.epochs,
      batchSize: opts.batch,
      shuffle: true,
      validationData,
      verbose: 0,
      callbacks: {
        onEpochEnd: (epoch, logs) =>
          log(
            `  naive ${backend} epoch ${epoch + 1}/${opts.epochs}: loss ${logs?.loss?.toFixed(4)} ` +
              `acc ${(logs?.acc ?? logs?.accuracy)?.toFixed(4)} (${secondsSince(t0).toFixed(1)} s so far)`,
          ),
      },
    });
    tf.dispose(model.evaluate(xTest, yTest, { batchSize: opts.batch }) as tf.Scalar[]);
    const seconds = secondsSince(t0);
    const acc = (history.history.acc ?? history.history.accuracy ?? []) as number[];
    return { seconds, backend, trainAccuracy: acc[acc.length - 1] ?? NaN };
  } finally {
    tf.dispose(tensors);
    model.dispose();
  }
}

/** Naive on the fastest backend where it runs (wasm can: nothing convolutional trains), falling back. */
async function naive(
  backbone: Backbone,
  data: DatasetSplit,
  surgery: SurgerySpec,
  opts: FeVsNaiveOptions,
): Promise<NaiveRun> {
  const plan = await planBackends();
  const candidates = [
    ...new Set<BackendName>([plan.inference, plan.training, plan.fallbackTraining]),
  ];
  let lastError: unknown;
  for (const backend of candidates) {
    try {
      return await naiveOn(backend, backbone, data, surgery, opts);
    } catch (err) {
      lastError = err;
      log(`  naive on ${backend} failed (${(err as Error).message}); trying the next backend`);
    }
  }
  throw lastError;
}

export async function benchFeVsNaive(backbone: Backbone, opts: FeVsNaiveOptions): Promise<void> {
  const set = loadMnistDigits({ digits: DIGITS, limit: opts.images });
  const data = splitDataset({ set, seed: SEED });
  const classes = data.train.classes;
  const surgery: SurgerySpec = {
    inputShape: [opts.size, opts.size, 3],
    cutAt: opts.cutAt,
    freeze: { kind: 'all' },
    head: { pooling: 'avg', classes },
  };
  const train: TrainSpec = {
    mode: 'feature-extraction',
    epochs: opts.epochs,
    batchSize: opts.batch,
    seed: SEED,
    earlyStopping: false,
  };
  log(
    `fe-vs-naive: ${backbone.name} at ${opts.size}x${opts.size}, MNIST ${DIGITS.join(',')}: ${set.count} images ` +
      `(${data.train.count} train / ${data.validation.count} validation / ${data.test.count} test), ${opts.epochs} epochs, batch ${opts.batch}`,
  );

  // Backends are initialised before any clock starts: neither side pays for it.
  const plan = await planBackends();
  for (const b of new Set([plan.inference, plan.training, plan.fallbackTraining]))
    await useBackend(b);

  const cache = new MemoryFeatureCache();
  log('fe-vs-naive: planned (trainTransferModel, fresh feature cache: miss)');
  const p = await planned(backbone, data, surgery, train, cache);
  if (p.hit)
    throw new Error('the first planned run hit the feature cache; it must compute the features');
  log(
    `  planned: ${p.seconds.toFixed(2)} s (features ${p.featureSeconds.toFixed(2)} s on ${p.engine}, ` +
      `training ${p.trainSeconds.toFixed(2)} s on ${p.backends.training}); test accuracy ${p.testAccuracy.toFixed(4)}`,
  );

  log('fe-vs-naive: naive (model.compile + model.fit on the whole model)');
  const n = await naive(backbone, data, surgery, opts);
  log(`  naive: ${n.seconds.toFixed(2)} s on ${n.backend}`);

  const speedup = n.seconds / p.seconds;
  emit('fe-vs-naive', {
    images: set.count,
    trainImages: data.train.count,
    epochs: opts.epochs,
    size: opts.size,
    batch: opts.batch,
    plannedSeconds: round(p.seconds),
    naiveSeconds: round(n.seconds),
    speedup: round(speedup, 2),
    target: opts.target,
    meetsTarget: speedup >= opts.target,
    plannedBackend: p.backends.training,
    plannedInference: p.engine,
    plannedFeatureSeconds: round(p.featureSeconds),
    plannedTrainSeconds: round(p.trainSeconds),
    naiveBackend: n.backend,
    plannedTrainAccuracy: round(p.trainAccuracy, 4),
    naiveTrainAccuracy: round(n.trainAccuracy, 4),
  });

  log('cache-hit: planned again with the same cache');
  const h = await planned(backbone, data, surgery, train, cache);
  log(
    `  planned (hit): ${h.seconds.toFixed(2)} s (features ${h.featureSeconds.toFixed(3)} s, training ${h.trainSeconds.toFixed(2)} s)`,
  );
  emit('cache-hit', {
    images: set.count,
    epochs: opts.epochs,
    size: opts.size,
    plannedSeconds: round(h.seconds),
    hit: h.hit,
    featureSeconds: round(h.featureSeconds),
    trainSeconds: round(h.trainSeconds),
    plannedBackend: h.backends.training,
  });
  log(`fe-vs-naive: ${tf.memory().numTensors} tensors left allocated`);
}
