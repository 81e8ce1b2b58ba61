/**
 * One fine-tuning epoch of MobileNetV2 (the catalog's pretrained `mobilenet_v2`) at 160x160: the
 * last 3 inverted-residual blocks + the final 1x1 conv (`Conv_1`) + a new 10-class head trainable,
 * 512 MNIST digits (upsampled bilinearly to 160x160, grey repeated to 3 channels), batch 32, Adam.
 *
 * Timed: the training steps of the epoch (Graft's `fitPhase` on the trainable suffix, from
 * the frozen prefix's features, which Graft computes once per image and caches; computing them is
 * reported apart as `featureSeconds`). The per-epoch validation pass is not timed. On the cpu
 * backend one batch is timed (after a first, untimed one) and multiplied by the number of batches.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../../backend.js';
import type { Backbone } from '../../backbones/types.js';
import { loadMnistDigits } from '../../data/mnist.js';
import { imagesToTensor } from '../../data/tensors.js';
import { withOriginalKernels } from '../../kernels/register.js';
import { applySurgery } from '../../surgery/surgery.js';
import { splitAtFreezeBoundary } from '../../surgery/split.js';
import type { Features } from '../../training/featureCache.js';
import { fitPhase } from '../../training/fit.js';
import { GradientWorkers } from '../../training/gradientWorkers.js';
import { cpus } from 'node:os';
import { emit, log, round, secondsSince } from './report.js';

export interface FinetuneEpochOptions {
  size: number;
  images: number;
  batch: number;
  /** Backends to time; `cpu` is extrapolated from one batch. */
  backends: BackendName[];
  /** Also time one cpu batch with tfjs' own gradient kernels (the state before Graft's). */
  cpuOriginalKernels: boolean;
}

/** Features of the frozen prefix (computed on wasm) for all images. */
function prefixFeatures(
  prefix: tf.LayersModel,
  backbone: Backbone,
  size: number,
  images: number,
  batch: number,
): { features: Features; labels: Int32Array } {
  const set = loadMnistDigits({ limit: images });
  const shapes = prefix.outputs.map((o) => o.shape.slice(1) as number[]);
  const blocks = shapes.map((shape) => ({
    shape,
    data: new Float32Array(set.count * shape.reduce((a, b) => a * b, 1)),
  }));
  for (let s = 0; s < set.count; s += batch) {
    const end = Math.min(set.count, s + batch);
    const outs = tf.tidy(() => {
      const x = imagesToTensor({
        set,
        start: s,
        end,
        preprocessing: backbone.preprocessing,
        size: [size, size],
      });
      const y = prefix.predict(x);
      return Array.isArray(y) ? y : [y];
    });
    outs.forEach((o, i) => {
      const per = blocks[i]!.data.length / set.count;
      blocks[i]!.data.set(o.dataSync() as Float32Array, s * per);
    });
    tf.dispose(outs);
  }
  return { features: { count: set.count, blocks }, labels: set.labels };
}

function subset(f: Features, count: number): Features {
  return {
    count,
    blocks: f.blocks.map((b) => ({
      shape: b.shape,
      data: b.data.subarray(0, (b.data.length / f.count) * count),
    })),
  };
}

/** Seconds of the training steps of one `fitPhase` epoch over `images`; `skip` first batches untimed. */
async function timedEpoch(
  suffix: tf.LayersModel,
  features: Features,
  labels: Int32Array,
  images: number,
  batch: number,
  skip: number,
  gradients?: GradientWorkers,
): Promise<{ seconds: number; batches: number; loss: number }> {
  const train = { features: subset(features, images), labels: labels.subarray(0, images) };
  const validation = { features: subset(features, batch), labels: labels.subarray(0, batch) };
  let t0 = performance.now();
  let tEnd = t0;
  let timed = 0;
  let loss = NaN;
  await fitPhase({
    model: suffix,
    train,
    validation,
    numClasses: 10,
    phase: 'bench',
    epochs: 1,
    learningRate: 1e-4,
    optimizer: 'adam',
    batchSize: batch,
    seed: 1,
    earlyStopping: false,
    ...(gradients ? { gradients } : {}),
    onProgress: (p) => {
      // One report per batch, then one more for the epoch's validation pass (not timed).
      if (p.stage !== 'train' || p.valLoss !== undefined) return;
      if (p.batch === skip) t0 = performance.now();
      if (p.batch > skip) {
        timed++;
        tEnd = performance.now();
        loss = p.loss ?? NaN;
      }
    },
  });
  return { seconds: (tEnd - t0) / 1000, batches: timed, loss };
}

export async function benchFinetuneEpoch(
  backbone: Backbone,
  opts: FinetuneEpochOptions,
): Promise<void> {
  const { size, images, batch } = opts;
  const batches = Math.ceil(images / batch);
  for (const backend of opts.backends) {
    await useBackend(backend);
    const { model, trainableParams } = await applySurgery({
      backbone,
      spec: {
        inputShape: [size, size, 3],
        // Backbone blocks end at block_14_add, block_15_add, block_16_project_BN and out_relu: the
        // last 3 inverted-residual blocks and the final 1x1 conv are the last 4.
        freeze: { kind: 'allButLastBlocks', blocks: 4 },
        head: { classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
      },
      seed: 1,
    });
    const split = splitAtFreezeBoundary(model);
    try {
      // Features on wasm whatever the training backend (as Graft plans it).
      await useBackend('wasm');
      const tf0 = performance.now();
      const { features, labels } = prefixFeatures(split.prefix!, backbone, size, images, batch);
      const featureSeconds = secondsSince(tf0);
      await useBackend(backend);
      const trainable = split.suffix.layers.filter((l) => l.trainable && l.weights.length);
      log(
        `finetune-epoch ${backend}: ${trainableParams} trainable params in ${trainable.length} layers ` +
          `(${trainable[0]?.name} .. ${trainable.at(-1)?.name}); boundary ${split.boundary.join(', ')}; ` +
          `features of ${images} images in ${featureSeconds.toFixed(1)} s`,
      );
      const threads = Math.min(cpus().length, Math.floor(batch / 2));
      const runs: { kernels: 'graft' | 'tfjs'; trainingWorkers: number; go: boolean }[] = [
        { kernels: 'graft', trainingWorkers: 0, go: true },
        // Data-parallel over worker threads, as trainTransferModel trains convolutions on wasm.
        { kernels: 'graft', trainingWorkers: threads, go: backend === 'wasm' && threads >= 2 },
        { kernels: 'tfjs', trainingWorkers: 0, go: backend === 'cpu' && opts.cpuOriginalKernels },
      ];
      for (const r of runs.filter((x) => x.go)) {
        const measure = async (): Promise<{ seconds: number; batches: number; loss: number }> => {
          // cpu: the second of two batches; wasm: a warm-up batch, then the whole epoch.
          if (backend === 'cpu')
            return timedEpoch(split.suffix, features, labels, 2 * batch, batch, 1);
          if (r.trainingWorkers > 0) {
            // The replicas start once per phase (reported apart); the epoch is timed from its
            // second batch (the first warms the workers up) and counted per batch.
            const workers = GradientWorkers.start(r.trainingWorkers);
            try {
              const s0 = performance.now();
              await workers.init({
                model: split.suffix,
                backend,
                optimizer: 'adam',
                learningRate: 1e-4,
                numClasses: 10,
              });
              startupSeconds = secondsSince(s0);
              return await timedEpoch(split.suffix, features, labels, images, batch, 1, workers);
            } finally {
              await workers.close();
            }
          }
          await timedEpoch(split.suffix, features, labels, batch, batch, 0);
          return timedEpoch(split.suffix, features, labels, images, batch, 0);
        };
        let startupSeconds: number | undefined;
        const m =
          r.kernels === 'tfjs' ? await withOriginalKernels(backend, measure) : await measure();
        const seconds = (m.seconds / m.batches) * batches;
        log(
          `finetune-epoch ${backend} (${r.kernels} kernels, ${r.trainingWorkers || 'no'} training workers): ${m.batches} batches timed in ` +
            `${m.seconds.toFixed(2)} s -> ${seconds.toFixed(1)} s per epoch of ${batches} batches; loss ${m.loss.toFixed(3)}`,
        );
        emit('finetune-epoch', {
          backend,
          kernels: r.kernels,
          trainingWorkers: r.trainingWorkers,
          ...(startupSeconds !== undefined
            ? { workerStartupSeconds: round(startupSeconds, 2) }
            : {}),
          size,
          images,
          batch,
          data: 'mnist digits 0-9, bilinear to 160x160, grey repeated to 3 channels',
          trainableParams,
          seconds: round(seconds, 2),
          secondsPerBatch: round(m.seconds / m.batches, 3),
          ...(backend === 'cpu' ? { extrapolatedFrom: m.batches } : {}),
          featureSeconds: round(featureSeconds, 2),
        });
      }
    } finally {
      split.suffix.dispose();
      model.dispose();
    }
  }
}
