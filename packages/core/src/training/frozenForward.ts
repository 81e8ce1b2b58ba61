import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackendName } from '../backend.js';
import { detectBackends, useBackend } from '../backend.js';
import type { ModelArtifactsInMemory } from '../backbones/types.js';
import { artifactsToModel, canonicalJson, modelToArtifacts } from '../backbones/artifacts.js';
import type { CompiledGraphCache } from '../onnx/cache.js';
import { compileToOnnx, type CompiledOnnx } from '../onnx/compile.js';
import { withPixelInput, type PixelGraph } from '../onnx/pixels.js';
import {
  createOrtSession,
  DEFAULT_ORT_THREADS,
  loadOnnxRuntime,
  runOrt,
  type OrtSession,
} from '../onnx/runtime.js';
import { imagesToTensor } from '../data/tensors.js';
import type { ImageSet, Preprocessing } from '../data/types.js';
import type { Features } from './featureCache.js';
import { INFERENCE_ENGINE_NAMES, type InferenceEngineName } from './spec.js';
import { sha256 } from '../util/hash.js';
import { yieldToEventLoop } from '../util/yield.js';

/** Progress of a frozen forward pass. */
export type ForwardProgress = (done: number, total: number) => void;

/**
 * Engines that run the frozen prefix, best first: `onnxruntime` (the prefix compiled to ONNX, run by
 * onnxruntime-node with its own intra-op threads), `tfjs-wasm` (a pool of worker threads, one tfjs
 * wasm model each) and `tfjs` (the prefix in this thread on the active tfjs backend).
 */
export const INFERENCE_ENGINES: readonly InferenceEngineName[] = INFERENCE_ENGINE_NAMES;
export type { InferenceEngineName };

/** What ran the frozen prefix: for logs and the lineage. */
export interface EngineDescription {
  engine: InferenceEngineName;
  /** `worker-pool` (tfjs-wasm) or `in-process` (onnxruntime, tfjs). */
  kind: 'worker-pool' | 'in-process';
  /** `onnxruntime`, or the tfjs backend (`wasm`, `cpu`, `tensorflow`). */
  backend: BackendName | 'onnxruntime';
  /** Worker threads of the pool (0 in-process). */
  workers: number;
  /** Intra-op threads of ONNX Runtime (0 for tfjs engines). */
  threads: number;
}

/** Runs the frozen prefix of a model over images. */
export interface FrozenForwardEngine {
  readonly description: EngineDescription;
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
  readonly description: EngineDescription;
  private model: tf.LayersModel | undefined;
  private readonly owned: boolean;

  /** `prebuilt` (the caller's, not disposed here) saves rebuilding the prefix from its artifacts. */
  constructor(
    private readonly args: FrozenForwardArgs,
    prebuilt?: tf.LayersModel,
  ) {
    this.description = {
      engine: 'tfjs',
      kind: 'in-process',
      backend: args.backend,
      workers: 0,
      threads: 0,
    };
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
      await yieldToEventLoop();
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
  readonly description: EngineDescription;
  private constructor(
    private readonly args: FrozenForwardArgs,
    private readonly workers: Worker[],
    private readonly ownsThreads: boolean,
  ) {
    this.description = {
      engine: 'tfjs-wasm',
      kind: 'worker-pool',
      backend: args.backend,
      workers: workers.length,
      threads: 0,
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

/** What {@link OnnxRuntimeForward} needs: the compiled prefix and how to feed it. */
export interface OnnxForwardArgs {
  compiled: CompiledOnnx;
  preprocessing: Preprocessing;
  /** [height, width] the prefix takes. */
  inputSize: [number, number];
  /** Images per batch; default 32. */
  batchSize?: number;
  /** Intra-op threads of ONNX Runtime; default {@link DEFAULT_ORT_THREADS}. */
  threads?: number;
  /** Let ORT's idle pool threads spin between operators (faster, busier); default true. */
  spinning?: boolean;
  /** Image shape of the sets it will run on, when known: its session is created up front. */
  imageShape?: [number, number, number];
  log?: (line: string) => void;
}

/** An ORT session and how to feed it. */
interface FedSession {
  session: OrtSession;
  inputName: string;
  /** Takes the ImageSet's uint8 pixels (preprocessing in the graph), else preprocessed floats. */
  pixels: boolean;
}

/**
 * Runs the frozen prefix compiled to ONNX on ONNX Runtime (CPU execution provider). For each image
 * shape it meets, the graph is extended to take the raw uint8 pixels and preprocess them itself
 * ({@link withPixelInput}: the same resize and scaling as tfjs, on ORT's threads, with no copy of
 * the batch); when that cannot be built, images are preprocessed with tfjs on the active backend,
 * as the other engines do, and fed as NHWC float32. (onnxruntime-node runs a session on the
 * calling thread, which is one of its intra-op threads: there is no idle core to overlap JS
 * preprocessing with on 2 cores.)
 */
export class OnnxRuntimeForward implements FrozenForwardEngine {
  readonly description: EngineDescription;
  /** By image shape `h x w x c`, and `float` for the graph as compiled. */
  private sessions = new Map<string, Promise<FedSession>>();
  private disposed = false;

  private constructor(private readonly args: OnnxForwardArgs) {
    this.description = {
      engine: 'onnxruntime',
      kind: 'in-process',
      backend: 'onnxruntime',
      workers: 0,
      threads: args.threads ?? DEFAULT_ORT_THREADS,
    };
  }

  /** Creates the session for `args.imageShape` (or the float one) now, so that errors show here. */
  static async create(args: OnnxForwardArgs): Promise<OnnxRuntimeForward> {
    const engine = new OnnxRuntimeForward(args);
    try {
      await engine.sessionFor(args.imageShape);
    } catch (err) {
      await engine.dispose();
      throw err;
    }
    return engine;
  }

  private sessionFor(imageShape: [number, number, number] | undefined): Promise<FedSession> {
    const key = imageShape ? imageShape.join('x') : 'float';
    let s = this.sessions.get(key);
    if (!s) {
      s = this.open(imageShape);
      this.sessions.set(key, s);
    }
    return s;
  }

  private async open(imageShape: [number, number, number] | undefined): Promise<FedSession> {
    const { compiled, preprocessing } = this.args;
    const options = {
      intraOpThreads: this.args.threads ?? DEFAULT_ORT_THREADS,
      spinning: this.args.spinning ?? true,
    };
    if (imageShape) {
      let graph: PixelGraph | undefined;
      try {
        graph = withPixelInput(compiled, { imageShape, preprocessing });
      } catch (err) {
        this.args.log?.(
          `onnxruntime: preprocessing stays in tfjs for ${imageShape.join('x')} images (${(err as Error).message})`,
        );
      }
      if (graph) {
        const session = await createOrtSession(graph.bytes, options);
        return { session, inputName: graph.inputName, pixels: true };
      }
      return this.sessionFor(undefined);
    }
    const session = await createOrtSession(compiled.bytes, options);
    return { session, inputName: compiled.inputName, pixels: false };
  }

  async run({
    set,
    onProgress,
  }: {
    set: ImageSet;
    onProgress?: ForwardProgress;
  }): Promise<Features> {
    if (this.disposed) throw new Error('OnnxRuntimeForward used after dispose');
    const { compiled, preprocessing, inputSize } = this.args;
    const fed = await this.sessionFor(set.imageShape);
    const features = allocateFeatures(set.count, compiled.outputShapes);
    const bs = this.args.batchSize ?? 32;
    const [h, w] = inputSize;
    const c = preprocessing.channels;
    const perImage = set.imageShape[0] * set.imageShape[1] * set.imageShape[2];
    for (let start = 0; start < set.count; start += bs) {
      const end = Math.min(set.count, start + bs);
      let input: { name: string; data: Float32Array | Uint8Array; shape: number[] };
      if (fed.pixels) {
        input = {
          name: fed.inputName,
          data: set.pixels.subarray(start * perImage, end * perImage),
          shape: [end - start, ...set.imageShape],
        };
      } else {
        const t = imagesToTensor({ set, start, end, preprocessing, size: inputSize });
        const data = t.dataSync() as Float32Array;
        t.dispose();
        input = { name: fed.inputName, data, shape: [end - start, h, w, c] };
      }
      const outs = await runOrt(fed.session, input, compiled.outputNames);
      outs.forEach((out, b) => {
        const block = features.blocks[b]!;
        block.data.set(out, start * (block.data.length / set.count));
      });
      onProgress?.(end, set.count);
    }
    return features;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    const opened = await Promise.allSettled(sessions);
    const released = new Set<OrtSession>();
    for (const r of opened) {
      if (r.status !== 'fulfilled' || released.has(r.value.session)) continue;
      released.add(r.value.session);
      await r.value.session.release();
    }
  }
}

/** Arguments of {@link createFrozenForwardEngine}. */
export interface CreateEngineArgs {
  /** The frozen prefix (compiled for ONNX Runtime, serialised for the worker pool). */
  prefix: tf.LayersModel;
  outputShapes: number[][];
  preprocessing: Preprocessing;
  inputSize: [number, number];
  /** tfjs backend of the tfjs engines. */
  backend: BackendName;
  /** Worker threads of the tfjs-wasm pool; 0: no pool. */
  workers: number;
  batchSize?: number;
  /** Threads already started for the pool (the caller terminates them). */
  threads?: Worker[];
  /** Engines to try, in order; the first that can run the prefix is used. */
  candidates: InferenceEngineName[];
  /** Intra-op threads of ONNX Runtime; default {@link DEFAULT_ORT_THREADS}. */
  ortThreads?: number;
  /** Image shape of the sets the engine will run on, when known (ONNX Runtime prepares for it). */
  imageShape?: [number, number, number];
  /** Compiled-graph cache and the key of this prefix (fingerprint + cut + input shape). */
  graphs?: { cache: CompiledGraphCache; key: string };
  log?: (line: string) => void;
}

/** The engine that ran, and why the ones before it did not. */
export interface CreatedEngine {
  engine: FrozenForwardEngine;
  fallbacks: { engine: InferenceEngineName; reason: string }[];
}

/**
 * Creates the first engine of `candidates` that can run the prefix, logging why each earlier one
 * could not (ONNX Runtime missing, a layer the ONNX compiler does not translate, no wasm backend).
 * Nothing falls back silently, and nothing runs a graph that was not compiled completely.
 * @throws the last engine's error when none can run it.
 */
export async function createFrozenForwardEngine(a: CreateEngineArgs): Promise<CreatedEngine> {
  const log = a.log ?? (() => undefined);
  const fallbacks: CreatedEngine['fallbacks'] = [];
  let lastError: unknown;
  for (const [i, name] of a.candidates.entries()) {
    try {
      const engine = await createOne(name, a, log);
      return { engine, fallbacks };
    } catch (err) {
      lastError = err;
      const reason = (err as Error).message ?? String(err);
      fallbacks.push({ engine: name, reason });
      const nextName = a.candidates[i + 1];
      log(
        nextName
          ? `frozen prefix: ${name} cannot run it (${reason}); falling back to ${nextName}`
          : `frozen prefix: ${name} cannot run it (${reason})`,
      );
    }
  }
  throw lastError ?? new Error('no inference engine to try');
}

async function createOne(
  name: InferenceEngineName,
  a: CreateEngineArgs,
  log: (line: string) => void,
): Promise<FrozenForwardEngine> {
  const common = {
    outputShapes: a.outputShapes,
    preprocessing: a.preprocessing,
    inputSize: a.inputSize,
    batchSize: a.batchSize,
  };
  if (name === 'onnxruntime') {
    const ort = await loadOnnxRuntime();
    if ('error' in ort) throw new Error(`onnxruntime-node does not load: ${ort.error}`);
    const compile = () => compileToOnnx(a.prefix);
    const t0 = performance.now();
    const { compiled, hit } = a.graphs
      ? await a.graphs.cache.getOrCompile(a.graphs.key, compile)
      : { compiled: compile(), hit: 'miss' as const };
    if (hit === 'miss') {
      const s = compiled.stats;
      log(
        `frozen prefix: compiled to ONNX in ${((performance.now() - t0) / 1000).toFixed(2)} s ` +
          `(${s.nodes} nodes, ${s.foldedBatchNorms} BatchNorms folded, ${(compiled.bytes.byteLength / 1e6).toFixed(1)} MB)`,
      );
    } else log(`frozen prefix: compiled ONNX graph from the ${hit} cache`);
    return OnnxRuntimeForward.create({
      ...common,
      compiled,
      threads: a.ortThreads,
      ...(a.imageShape && { imageShape: a.imageShape }),
      log,
    });
  }
  const tfArgs: FrozenForwardArgs = {
    ...common,
    artifacts: await modelToArtifacts(a.prefix),
    backend: a.backend,
  };
  if (name === 'tfjs-wasm') {
    if (a.workers <= 0)
      throw new Error('the tfjs-wasm pool needs at least one worker (workers is 0)');
    // The pool runs wasm, or the backend a spec forced (cpu); tfjs-node needs no pool.
    if (a.backend === 'tensorflow') throw new Error('tfjs-node runs in-process, not in a pool');
    if (a.backend === 'wasm' && !(await detectBackends()).wasm) {
      throw new Error('the tfjs wasm backend is not available');
    }
    return WorkerPoolForward.create({ ...tfArgs, workers: a.workers, threads: a.threads });
  }
  return new InProcessForward(tfArgs);
}

/**
 * Engines to try for a run, best first. A spec that forces an engine gets only that one (an error
 * when it cannot run the prefix); a spec that forces a tfjs inference backend gets the tfjs engines
 * on it; otherwise ONNX Runtime, then the tfjs-wasm pool (when there are workers), then tfjs.
 */
export function engineCandidates(a: {
  forced?: InferenceEngineName;
  forcedBackend?: BackendName;
  backend: BackendName;
  workers: number;
}): InferenceEngineName[] {
  if (a.forced) return [a.forced];
  const tfjs: InferenceEngineName[] =
    a.workers > 0 && a.backend !== 'tensorflow' ? ['tfjs-wasm', 'tfjs'] : ['tfjs'];
  return a.forcedBackend ? tfjs : ['onnxruntime', ...tfjs];
}

/**
 * What a frozen prefix computes, apart from its weights: the layer classes, configurations and
 * connections (not the model's own name, which tfjs numbers per process). Cache keys need it: two
 * prefixes can share layer names and differ (a head's `head_pool` is average or max pooling).
 */
export function prefixSignature(prefix: tf.LayersModel): string {
  const config = prefix.getConfig() as { layers?: unknown };
  return sha256(canonicalJson(config.layers ?? []));
}
