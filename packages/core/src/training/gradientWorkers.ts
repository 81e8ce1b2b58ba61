import * as tf from '@tensorflow/tfjs';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backend.js';
import { modelToArtifacts } from '../backbones/artifacts.js';
import type { ModelArtifactsInMemory } from '../backbones/types.js';
import { isBatchNormInference } from '../surgery/batchNorm.js';
import type { OptimizerName } from './spec.js';

/** One worker's part of a batch: its rows of every input block, and their labels. */
export interface GradientShard {
  blocks: { data: Float32Array; shape: number[] }[];
  labels: Int32Array;
  /** Seed of the shard's dropout masks (each Dropout layer adds its index). */
  dropoutSeed: number;
}

export type ToGradientWorker =
  | {
      type: 'init';
      backend: BackendName;
      artifacts: ModelArtifactsInMemory;
      trainableLayers: string[];
      batchNormInference: string[];
      weightNames: string[];
      optimizer: OptimizerName;
      learningRate: number;
      numClasses: number;
    }
  | ({ type: 'step' } & GradientShard)
  | { type: 'apply'; grads: Float32Array[] }
  | { type: 'weights' }
  | { type: 'close' };
export type FromGradientWorker =
  | { type: 'ready' }
  | { type: 'gradients'; grads: Float32Array[]; loss: number; correct: number }
  | { type: 'weights'; values: Float32Array[] }
  | { type: 'error'; message: string };

/** Where the compiled worker script is (tests run from src/, the worker only exists compiled). */
function workerUrl(): URL {
  const url = new URL('./gradientWorker.js', import.meta.url);
  return import.meta.url.endsWith('.ts') ? new URL(url.href.replace('/src/', '/dist/')) : url;
}

/**
 * Data-parallel training over worker threads. The wasm backend runs one thread per instance in
 * Node; fine-tuning convolutions is compute-bound, so each worker holds a replica of the
 * trainable model and computes the gradients of its share of each batch. The shares' gradients
 * are averaged (weighted by their sizes: the gradient of the whole batch's mean loss) and sent to
 * every replica, which applies them with its own optimizer: the replicas start equal and stay
 * equal, with no weights sent per step. The caller's model gets the weights back with
 * {@link GradientWorkers.weights}.
 */
export class GradientWorkers {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `count` threads (they import tfjs while the caller prepares the phase). */
  static start(count: number): GradientWorkers {
    return new GradientWorkers(Array.from({ length: count }, () => new Worker(workerUrl())));
  }

  get count(): number {
    return this.workers.length;
  }

  /**
   * Gives every worker a replica of `model` (its current weights, trainable layers and
   * BatchNorm-inference layers) and a fresh optimizer.
   */
  async init(args: {
    model: tf.LayersModel;
    backend: BackendName;
    optimizer: OptimizerName;
    learningRate: number;
    numClasses: number;
  }): Promise<void> {
    const { model } = args;
    const artifacts = await modelToArtifacts(model);
    const message: ToGradientWorker = {
      type: 'init',
      backend: args.backend,
      artifacts,
      trainableLayers: model.layers.filter((l) => l.trainable).map((l) => l.name),
      batchNormInference: model.layers.filter(isBatchNormInference).map((l) => l.name),
      weightNames: model.trainableWeights.map((w) => w.originalName),
      optimizer: args.optimizer,
      learningRate: args.learningRate,
      numClasses: args.numClasses,
    };
    await Promise.all(
      this.workers.map((w) => {
        const answer = this.next(w);
        w.postMessage(message);
        return answer;
      }),
    );
  }

  /**
   * One training step: each worker's shard's gradients, averaged and applied by every replica.
   * @returns the batch's mean loss and how many of its predictions were right.
   */
  async step(shards: GradientShard[]): Promise<{ loss: number; correct: number }> {
    if (shards.length !== this.workers.length) throw new Error('one shard per worker');
    // A batch smaller than the number of workers leaves some shards empty: they sit it out.
    const active = shards.flatMap((s, i) => (s.labels.length > 0 ? [i] : []));
    const results = await Promise.all(
      active.map((i) => {
        const w = this.workers[i]!;
        const answer = this.next(w);
        w.postMessage({ type: 'step', ...shards[i]! } satisfies ToGradientWorker);
        return answer as Promise<Extract<FromGradientWorker, { type: 'gradients' }>>;
      }),
    );
    const total = shards.reduce((n, s) => n + s.labels.length, 0);
    const averaged = results[0]!.grads.map((g) => new Float32Array(g.length));
    let loss = 0;
    let correct = 0;
    results.forEach((r, j) => {
      const weight = shards[active[j]!]!.labels.length / total;
      loss += r.loss * weight;
      correct += r.correct;
      r.grads.forEach((g, k) => {
        const sum = averaged[k]!;
        for (let i = 0; i < g.length; i++) sum[i]! += g[i]! * weight;
      });
    });
    // Applied before the next message a worker reads (a thread's messages arrive in order).
    for (const w of this.workers) w.postMessage({ type: 'apply', grads: averaged });
    return { loss, correct };
  }

  /** The replicas' trainable weights (all equal), in the order of the model's trainable weights. */
  async weights(): Promise<Float32Array[]> {
    const w = this.workers[0]!;
    const answer = this.next(w);
    w.postMessage({ type: 'weights' } satisfies ToGradientWorker);
    return ((await answer) as Extract<FromGradientWorker, { type: 'weights' }>).values;
  }

  /** Ends the threads. */
  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        w.postMessage({ type: 'close' } satisfies ToGradientWorker);
        await w.terminate();
      }),
    );
  }

  /** The next message of a worker: its answer, or its error or exit as a rejection. */
  private next(w: Worker): Promise<FromGradientWorker> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: FromGradientWorker) => {
        cleanup();
        if (m.type === 'error') reject(new Error(`gradient worker: ${m.message}`));
        else resolve(m);
      };
      const onError = (e: Error) => {
        cleanup();
        reject(e);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`gradient worker exited with code ${code}`));
      };
      const cleanup = () => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
    });
  }
}
