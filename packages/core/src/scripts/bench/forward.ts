/**
 * Frozen-forward throughput: MobileNetV2 cut at `out_relu`, everything frozen, the prefix that
 * `splitAtFreezeBoundary` gives, run by the in-process engine (one thread) and by the worker pool.
 */
import * as tf from '@tensorflow/tfjs';
import { detectBackends, useBackend, type BackendName } from '../../backend.js';
import { modelToArtifacts } from '../../backbones/artifacts.js';
import type { Backbone } from '../../backbones/types.js';
import { loadMnistDigits } from '../../data/mnist.js';
import { subsetImages } from '../../data/split.js';
import type { ImageSet } from '../../data/types.js';
import { applySurgery } from '../../surgery/surgery.js';
import { splitAtFreezeBoundary } from '../../surgery/split.js';
import {
  InProcessForward,
  WorkerPoolForward,
  type FrozenForwardArgs,
  type FrozenForwardEngine,
} from '../../training/frozenForward.js';
import { emit, log, round, secondsSince } from './report.js';

export interface ForwardBenchOptions {
  backends: BackendName[];
  sizes: number[];
  /** Timed images per backend (the warm-up comes on top). */
  images: Partial<Record<BackendName, number>>;
  /** Timed passes per backend; the best one is reported (the machine may be shared). Default 1. */
  repeats: Partial<Record<BackendName, number>>;
  batch: number;
  /** Workers of the pool (one per core). */
  workers: number;
  cutAt: string;
}

interface Measured {
  images: number;
  /** Of the best pass. */
  seconds: number;
  imagesPerSec: number;
  /** images/s of every pass. */
  runs: number[];
}

/** Warms the engine up (not timed: one batch per thread), then times `repeats` passes over `set`. */
async function measure(
  engine: FrozenForwardEngine,
  set: ImageSet,
  warmup: number,
  repeats: number,
): Promise<Measured> {
  const warm = subsetImages(
    set,
    Int32Array.from({ length: Math.min(warmup, set.count) }, (_, i) => i),
    'warmup',
  );
  await engine.run({ set: warm });
  const times: number[] = [];
  for (let r = 0; r < Math.max(1, repeats); r++) {
    const t0 = performance.now();
    const features = await engine.run({ set });
    times.push(secondsSince(t0));
    if (
      features.count !== set.count ||
      features.blocks.some((b) => b.data.some((v) => !Number.isFinite(v)))
    ) {
      throw new Error(
        `${engine.description.kind} on ${engine.description.backend} returned bad features`,
      );
    }
  }
  const seconds = Math.min(...times);
  return {
    images: set.count,
    seconds,
    imagesPerSec: set.count / seconds,
    runs: times.map((t) => round(set.count / t, 1)),
  };
}

export async function benchForward(backbone: Backbone, opts: ForwardBenchOptions): Promise<void> {
  const available = await detectBackends();
  const maxImages = Math.max(...opts.backends.map((b) => opts.images[b] ?? 0));
  // Real-looking input: MNIST digits, resized and repeated to 3 channels by the engines (backbone preprocessing).
  const all = loadMnistDigits({ limit: maxImages });

  for (const backend of opts.backends) {
    if (backend === 'wasm' && !available.wasm) {
      log(`forward: the wasm backend is not available here; skipped`);
      continue;
    }
    if (backend === 'tensorflow' && !available.tensorflow) {
      log(`forward: tfjs-node is not available here; skipped`);
      continue;
    }
    const count = opts.images[backend] ?? 64;
    const repeats = opts.repeats[backend] ?? 1;
    const set =
      count === all.count
        ? all
        : subsetImages(
            all,
            Int32Array.from({ length: count }, (_, i) => i),
            'bench',
          );
    await useBackend(backend);
    for (const size of opts.sizes) {
      const surgery = await applySurgery({
        backbone,
        spec: {
          inputShape: [size, size, 3],
          cutAt: opts.cutAt,
          freeze: { kind: 'all' },
          head: { classes: ['a', 'b'] },
        },
      });
      const split = splitAtFreezeBoundary(surgery.model);
      try {
        if (!split.prefix) throw new Error('the frozen prefix is empty');
        log(
          `forward ${backend} ${size}x${size}: prefix of ${split.prefixLayers.length} layers ending at ` +
            `${split.boundary.join(', ')} ${JSON.stringify(split.boundaryShapes)}; ${count} images, batch ${opts.batch}`,
        );
        const args: FrozenForwardArgs = {
          artifacts: await modelToArtifacts(split.prefix),
          outputShapes: split.boundaryShapes,
          preprocessing: backbone.preprocessing,
          inputSize: [size, size],
          backend,
          batchSize: opts.batch,
        };
        const common = { backend, size, batch: opts.batch };

        // One thread: the prefix model built here (not disposed by the engine).
        const inProcess = new InProcessForward(args, split.prefix);
        let single: Measured;
        try {
          single = await measure(inProcess, set, opts.batch, repeats);
        } finally {
          await inProcess.dispose();
        }
        log(
          `  in-process: ${single.imagesPerSec.toFixed(1)} images/s (${single.seconds.toFixed(2)} s; passes ${single.runs.join(', ')} images/s)`,
        );
        emit('forward', {
          ...common,
          workers: 0,
          images: single.images,
          seconds: round(single.seconds),
          imagesPerSec: round(single.imagesPerSec, 1),
          runs: single.runs,
        });

        // Worker pool: one worker per core, each warmed with one batch.
        const t0 = performance.now();
        const pool = await WorkerPoolForward.create({ ...args, workers: opts.workers });
        const startupSeconds = secondsSince(t0);
        let pooled: Measured;
        try {
          pooled = await measure(pool, set, opts.batch * opts.workers, repeats);
        } finally {
          await pool.dispose();
        }
        log(
          `  worker pool (${opts.workers}): ${pooled.imagesPerSec.toFixed(1)} images/s (${pooled.seconds.toFixed(2)} s; ` +
            `passes ${pooled.runs.join(', ')} images/s; start-up ${startupSeconds.toFixed(2)} s)`,
        );
        emit('forward', {
          ...common,
          workers: opts.workers,
          images: pooled.images,
          seconds: round(pooled.seconds),
          imagesPerSec: round(pooled.imagesPerSec, 1),
          runs: pooled.runs,
          startupSeconds: round(startupSeconds),
        });
        if (backend === 'wasm') {
          emit('forward-pool-speedup', {
            backend,
            size,
            workers: opts.workers,
            speedup: round(pooled.imagesPerSec / single.imagesPerSec, 2),
          });
        }
      } finally {
        split.suffix.dispose();
        // The prefix shares its layers with the model: disposing the model frees them (not the prefix too).
        surgery.model.dispose();
      }
    }
    log(`forward ${backend}: ${tf.memory().numTensors} tensors left allocated`);
  }
}
