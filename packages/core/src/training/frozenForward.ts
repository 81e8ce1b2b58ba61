import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backend.js';
import { useBackend } from '../backend.js';
import type { ModelArtifactsInMemory } from '../backbones/types.js';
import { artifactsToModel } from '../backbones/artifacts.js';
import { imagesToTensor } from '../data/tensors.js';
import type { ImageSet, Preprocessing } from '../data/types.js';
import type { Features } from './featureCache.js';

/** Progress of a frozen forward pass. */
export type ForwardProgress = (done: number, total: number) => void;

/** Runs the frozen prefix of a model over images. */
export interface FrozenForwardEngine {
  /** For the lineage: `worker-pool` or `in-process`, the backend, and the number of workers. */
  readonly description: {
    kind: 'worker-pool' | 'in-process';
    backend: BackendName;
    workers: number;
  };
  run(args: { set: ImageSet; onProgress?: ForwardProgress }): Promise<Features>;
  dispose(): Promise<void>;
}

/** What an engine needs to know to run a prefix. */
export interface FrozenForwardArgs {
  /** The frozen prefix, serialised (workers rebuild it from this). */
  artifacts: ModelArtifactsInMemory;
  /** Per-image shapes of the prefix outputs. */
  outputShapes: number[][];
  preprocessing: Preprocessing;
  /** [height, width] the prefix takes. */
  inputSize: [number, number];
  backend: BackendName;
  /** Images per batch; default 32. */
  batchSize?: number;
}

/** Runs the prefix in this thread on `backend`. */
export class InProcessForward implements FrozenForwardEngine {
  readonly description;
  private model: tf.LayersModel | undefined;
  private readonly owned: boolean;

  /** `prebuilt` (the caller's, not disposed here) saves rebuilding the prefix from its artifacts. */
  constructor(
    private readonly args: FrozenForwardArgs,
    prebuilt?: tf.LayersModel,
  ) {
    this.description = { kind: 'in-process' as const, backend: args.backend, workers: 0 };
    this.model = prebuilt;
    this.owned = !prebuilt;
  }

  async run({
    set,
    onProgress,
  }: {
    set: ImageSet;
    onProgress?: ForwardProgress;
  }): Promise<Features> {
    await useBackend(this.args.backend);
    this.model ??= await artifactsToModel(this.args.artifacts);
    const features = allocateFeatures(set.count, this.args.outputShapes);
    const bs = this.args.batchSize ?? 32;
    for (let start = 0; start < set.count; start += bs) {
      const end = Math.min(set.count, start + bs);
      const outs = tf.tidy(() => {
        const x = imagesToTensor({
          set,
          start,
          end,
          preprocessing: this.args.preprocessing,
          size: this.args.inputSize,
        });
        const y = this.model!.predict(x);
        return Array.isArray(y) ? y : [y];
      });
      for (let b = 0; b < outs.length; b++) {
        const block = features.blocks[b]!;
        const per = block.data.length / set.count;
        block.data.set((await outs[b]!.data()) as Float32Array, start * per);
      }
      tf.dispose(outs);
      onProgress?.(end, set.count);
    }
    return features;
  }

  async dispose(): Promise<void> {
    if (this.owned) this.model?.dispose();
    this.model = undefined;
  }
}

/** Messages between the pool and its workers. */
export type ToWorker =
  | { type: 'init'; args: Omit<FrozenForwardArgs, 'batchSize'> }
  | {
      type: 'run';
      id: number;
      pixels: Uint8Array;
      count: number;
      imageShape: [number, number, number];
    }
  | { type: 'close' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; blocks: Float32Array[] }
  | { type: 'error'; id?: number; message: string };

/** Where the compiled worker script is (tests run from src/, the worker only exists compiled). */
function workerUrl(): URL {
  const url = new URL('./frozenForwardWorker.js', import.meta.url);
  return import.meta.url.endsWith('.ts') ? new URL(url.href.replace('/src/', '/dist/')) : url;
}

/**
 * Starts `n` forward threads early: each imports tfjs while the caller does other work (surgery,
 * cache look-ups). Pass them to {@link WorkerPoolForward.create}; the caller terminates them.
 */
export function spawnForwardThreads(n: number): Worker[] {
  return Array.from({ length: n }, () => new Worker(workerUrl()));
}

/**
 * Spreads the frozen forward pass over worker threads, one model per worker. The wasm backend runs
 * one thread per instance in Node, so workers are how a frozen pass uses every core.
 */
export class WorkerPoolForward implements FrozenForwardEngine {
  readonly description;
  private constructor(
    private readonly args: FrozenForwardArgs,
    private readonly workers: Worker[],
    private readonly ownsThreads: boolean,
  ) {
    this.description = {
      kind: 'worker-pool' as const,
      backend: args.backend,
      workers: workers.length,
    };
  }

  /**
   * Starts `workers` threads (default: one per core), or uses `threads` from
   * {@link spawnForwardThreads}, and waits until each has built the prefix.
   */
  static async create(
    args: FrozenForwardArgs & { workers?: number; threads?: Worker[] },
  ): Promise<WorkerPoolForward> {
    const workers = args.threads ?? spawnForwardThreads(Math.max(1, args.workers ?? cpus().length));
    const owns = !args.threads;
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              const onMessage = (m: FromWorker): void => {
                w.off('message', onMessage);
                w.off('error', reject);
                if (m.type === 'ready') resolve();
                else
                  reject(new Error(m.type === 'error' ? m.message : 'unexpected worker message'));
              };
              w.on('message', onMessage);
              w.once('error', reject);
              const { batchSize: _bs, workers: _n, threads: _t, ...init } = args;
              w.postMessage({ type: 'init', args: init } satisfies ToWorker);
            }),
        ),
      );
    } catch (err) {
      if (owns) await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new WorkerPoolForward(args, workers, owns);
  }

  async run({
    set,
    onProgress,
  }: {
    set: ImageSet;
    onProgress?: ForwardProgress;
  }): Promise<Features> {
    const features = allocateFeatures(set.count, this.args.outputShapes);
    const bs = this.args.batchSize ?? 32;
    const [h, w, c] = set.imageShape;
    const imageBytes = h * w * c;
    const starts: number[] = [];
    for (let s = 0; s < set.count; s += bs) starts.push(s);
    let next = 0;
    let done = 0;
    let failed = false;
    const drive = (worker: Worker): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const send = (): void => {
          if (failed || next >= starts.length) {
            worker.off('message', onMessage);
            worker.off('error', onError);
            resolve();
            return;
          }
          const id = next++;
          const start = starts[id]!;
          const end = Math.min(set.count, start + bs);
          const pixels = set.pixels.slice(start * imageBytes, end * imageBytes);
          worker.postMessage(
            {
              type: 'run',
              id,
              pixels,
              count: end - start,
              imageShape: set.imageShape,
            } satisfies ToWorker,
            [pixels.buffer],
          );
        };
        const onMessage = (m: FromWorker): void => {
          if (m.type === 'error') {
            failed = true; // the other workers stop taking batches
            worker.off('message', onMessage);
            worker.off('error', onError);
            reject(new Error(`frozen forward worker failed: ${m.message}`));
            return;
          }
          if (m.type !== 'result') return;
          const start = starts[m.id]!;
          m.blocks.forEach((data, b) => {
            const block = features.blocks[b]!;
            block.data.set(data, start * (block.data.length / set.count));
          });
          done += data0Count(m.blocks, features, set.count);
          onProgress?.(done, set.count);
          send();
        };
        const onError = (err: Error): void => {
          failed = true;
          worker.off('message', onMessage);
          reject(err);
        };
        worker.on('message', onMessage);
        worker.once('error', onError);
        send();
      });
    await Promise.all(this.workers.map(drive));
    return features;
  }

  /** Terminates the threads it started (threads passed in belong to the caller). */
  async dispose(): Promise<void> {
    if (this.ownsThreads) await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function data0Count(blocks: Float32Array[], features: Features, total: number): number {
  const first = blocks[0];
  const block = features.blocks[0];
  if (!first || !block) return 0;
  return first.length / (block.data.length / total);
}

/** Zeroed feature blocks for `count` images. */
export function allocateFeatures(count: number, shapes: number[][]): Features {
  return {
    count,
    blocks: shapes.map((shape) => ({
      shape,
      data: new Float32Array(count * shape.reduce((a, b) => a * b, 1)),
    })),
  };
}
