import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { planBackends, useBackend, type BackendName } from '../backend.js';
import { missingGradientKernels } from '../kernels/trainability.js';
import { canonicalJson, fingerprintArtifacts, modelToArtifacts } from '../backbones/artifacts.js';
import type { Backbone } from '../backbones/types.js';
import { augmentBatch } from '../data/augment.js';
import { datasetContentHash } from '../data/hash.js';
import { imagesToTensor } from '../data/tensors.js';
import type { DatasetSplit, ImageSet } from '../data/types.js';
import { InvalidSpecError } from '../errors.js';
import { evaluateClassifier, type Evaluation } from '../evaluation/index.js';
import {
  applySurgery,
  describe,
  resolveFreeze,
  setFrozen,
  type SurgeryResult,
} from '../surgery/surgery.js';
import { splitAtFreezeBoundary, type SplitModel } from '../surgery/split.js';
import type { SurgerySpec } from '../surgery/spec.js';
import { sha256Chunks } from '../util/hash.js';
import { MemoryFeatureCache, type FeatureCache, type Features } from './featureCache.js';
import { fitPhase, predictAll, type EpochMetrics, type TrainProgress } from './fit.js';
import { GradientWorkers } from './gradientWorkers.js';
import { compiledGraphCache, CompiledGraphCache } from '../onnx/cache.js';
import {
  allocateFeatures,
  createFrozenForwardEngine,
  engineCandidates,
  prefixSignature,
  spawnForwardThreads,
  type CreatedEngine,
  type EngineDescription,
  type FrozenForwardEngine,
  type InferenceEngineName,
} from './frozenForward.js';
import { DEFAULT_FINE_TUNE_LR, type TrainSpec } from './spec.js';
import { validateTrainSpec } from './validate.js';

/** Process-wide default feature cache, so a second run in the same process reuses features. */
export const defaultFeatureCache: FeatureCache = new MemoryFeatureCache();

/** Arguments of {@link trainTransferModel}. */
export interface TrainTransferArgs {
  backbone: Backbone;
  data: DatasetSplit;
  surgery: SurgerySpec;
  train: TrainSpec;
  /** Where frozen-prefix outputs are kept; default: a process-wide in-memory cache. */
  featureCache?: FeatureCache;
  onProgress?: (p: TrainProgress) => void;
  /** Log lines (routing decisions, cache hits); default: none. */
  log?: (line: string) => void;
  /**
   * Stops the run when aborted: checked before each stage and every training batch; the run
   * then rejects with the signal's reason and keeps nothing.
   */
  signal?: AbortSignal;
}

/** How one phase ran. */
export interface PhaseReport {
  name: 'head' | 'fine-tune';
  epochs: number;
  epochsRun: number;
  earlyStopped: boolean;
  bestEpoch: number;
  optimizer: string;
  learningRate: number;
  trainableLayers: string[];
  frozenLayers: string[];
  trainableParams: number;
  /** Where the phase split the model, and whether the frozen prefix's outputs came from the cache. */
  boundary: string[];
  featureCache: { key: string; hit: boolean };
  /** `inference`: what computed the features (`onnxruntime` or a tfjs backend); on a cache hit, the first engine planned. */
  backends: { inference: BackendName | 'onnxruntime'; training: BackendName };
  /** The engine that computed the frozen prefix's features; null when nothing ran (cache hit, empty prefix). */
  engine: EngineDescription | null;
  /** Engines tried before `engine`, and why each could not run the prefix. */
  engineFallbacks: CreatedEngine['fallbacks'];
  /** Worker threads that trained the phase data-parallel (0: this thread). */
  trainingWorkers: number;
  featureSeconds: number;
  trainSeconds: number;
}

/** Everything a run produced. The caller owns `model` and disposes it. */
export interface TrainResult {
  /** The whole transfer model (backbone part + head), trained; a standard LayersModel. */
  model: tf.LayersModel;
  /** Layer table and parameter totals in the final (phase-2 for fine-tuning) state. */
  surgery: SurgeryResult;
  phases: PhaseReport[];
  history: EpochMetrics[];
  evaluation: Evaluation;
  /** sha256 of the trained weights (names, shapes, bytes), for determinism checks and lineage. */
  weightsSha256: string;
  seconds: number;
}

/**
 * Trains a transfer model, planned at the freeze boundary: the frozen prefix runs once per image on
 * the fastest inference engine (outputs cached by backbone fingerprint + cut + input shape +
 * preprocessing + dataset hash), and only the trainable suffix trains, on the best backend that can
 * train it. Feature extraction trains the head; fine-tuning then unfreezes the requested top of the
 * backbone at a low learning rate.
 */
export async function trainTransferModel(args: TrainTransferArgs): Promise<TrainResult> {
  const { data, train } = args;
  const log = args.log ?? (() => undefined);
  const cache = args.featureCache ?? defaultFeatureCache;
  validateTrainSpec(train, args.surgery);
  const classes = data.train.classes;
  if (canonicalJson(args.surgery.head?.classes) !== canonicalJson(classes)) {
    throw new InvalidSpecError(
      `head classes ${JSON.stringify(args.surgery.head?.classes)} must be the dataset's classes ${JSON.stringify(classes)}`,
      'surgery.head.classes',
    );
  }
  for (const [name, s] of [
    ['train', data.train],
    ['validation', data.validation],
    ['test', data.test],
  ] as const) {
    if (s.count === 0)
      throw new InvalidSpecError(
        `the ${name} split is empty; use more images or other fractions`,
        'data',
      );
  }
  const seed = train.seed ?? 42;
  const batchSize = train.batchSize ?? 32;
  const plan = await planBackends();
  const inferenceBackend = train.engine?.inferenceBackend ?? plan.inference;
  const workers = train.engine?.workers ?? cpus().length;
  const candidates = engineCandidates({
    forced: train.engine?.inference,
    forcedBackend: train.engine?.inferenceBackend,
    backend: inferenceBackend,
    workers,
  });

  // When the tfjs-wasm pool is the first choice, its threads start now: they import tfjs while
  // surgery runs here (a pool reached by falling back starts its own).
  const threads = candidates[0] === 'tfjs-wasm' ? spawnForwardThreads(workers) : undefined;
  try {
    return await trainPlanned(args, {
      seed,
      batchSize,
      plan,
      inferenceBackend,
      workers,
      threads,
      log,
      cache,
      classes,
      engines: {
        candidates,
        ortThreads: train.engine?.onnxThreads,
        graphs: compiledGraphCache(cache.graphDir),
        log,
      },
    });
  } finally {
    await Promise.all((threads ?? []).map((t) => t.terminate()));
  }
}

interface Planned {
  seed: number;
  batchSize: number;
  plan: Awaited<ReturnType<typeof planBackends>>;
  inferenceBackend: BackendName;
  workers: number;
  threads: Worker[] | undefined;
  log: (line: string) => void;
  cache: FeatureCache;
  classes: string[];
  engines: EngineContext;
}

/** How frozen-prefix engines are chosen, and which one ran last. */
interface EngineContext {
  candidates: InferenceEngineName[];
  ortThreads: number | undefined;
  graphs: CompiledGraphCache;
  log: (line: string) => void;
  used?: CreatedEngine & { description: EngineDescription };
}

async function trainPlanned(args: TrainTransferArgs, p: Planned): Promise<TrainResult> {
  const started = Date.now();
  const { backbone, data, train } = args;
  const { seed, batchSize, plan, inferenceBackend, workers, threads, log, cache, classes } = p;
  const engines = p.engines;
  // Build on the training backend so weights start where they will train.
  await useBackend(train.engine?.trainingBackend ?? plan.training);
  const surgery = await applySurgery({
    backbone,
    spec: { ...args.surgery, freeze: { kind: 'all' } },
    seed,
  });
  const model = surgery.model;
  const cutAt = surgery.cutAt;
  const allFrozen = new Set(surgery.frozenLayers);
  const phaseSpecs: {
    name: PhaseReport['name'];
    frozen: Set<string>;
    epochs: number;
    lr: number;
    optimizer: string;
  }[] = [
    {
      name: 'head',
      frozen: allFrozen,
      epochs: train.epochs ?? 10,
      lr: train.learningRate ?? 1e-3,
      optimizer: train.optimizer ?? 'adam',
    },
  ];
  if (train.mode === 'fine-tuning') {
    phaseSpecs.push({
      name: 'fine-tune',
      frozen: resolveFreeze(backbone, cutAt, args.surgery.freeze!),
      epochs: train.fineTune?.epochs ?? 5,
      lr: train.fineTune?.learningRate ?? DEFAULT_FINE_TUNE_LR,
      optimizer: train.fineTune?.optimizer ?? train.optimizer ?? 'adam',
    });
  }

  const phases: PhaseReport[] = [];
  const history: EpochMetrics[] = [];
  let lastSplit: SplitModel | undefined;
  let testFeatures: Features | undefined;
  try {
    for (const ph of phaseSpecs) {
      args.signal?.throwIfAborted();
      setFrozen(model, ph.frozen);
      // Re-applying layers in a suffix raises their reference counts; disposing the suffix lowers them.
      lastSplit?.suffix.dispose();
      const split = splitAtFreezeBoundary(model);
      lastSplit = split;
      const state = describe(model, new Set(surgery.headLayers));
      engines.used = undefined;

      // 1. Frozen prefix: once per image, cached.
      const tf0 = Date.now();
      const prefixKey = sha256Chunks([
        backbone.fingerprint.topologySha256,
        backbone.fingerprint.weightsSha256,
        canonicalJson({
          inputShape: surgery.inputShape,
          preprocessing: backbone.preprocessing,
          cutAt,
          prefix: split.prefixLayers,
          boundary: split.boundary,
          // layer names alone do not tell avg from max head pooling
          ...(split.prefix && { topology: prefixSignature(split.prefix) }),
        }),
      ]);
      // The three splits go through the engine in one pass (workers stay busy to the end);
      // each is cached under its own key, so a new split of the same images still hits.
      const parts = [
        { name: 'train', set: data.train },
        { name: 'validation', set: data.validation },
        { name: 'test', set: data.test },
      ].map((p) => ({ ...p, key: sha256Chunks([prefixKey, datasetContentHash(p.set)]) }));
      const found = await Promise.all(parts.map((p) => cache.get(p.key)));
      const missing = parts.filter((_, i) => !found[i]);
      const computed = new Map<string, Features>();
      if (missing.length) {
        const combined = concatImageSets(missing.map((p) => p.set));
        let features: Features;
        if (!split.prefix) {
          features = preprocessedImages(combined, backbone, surgery.inputShape);
        } else {
          const engine = await createEngine(
            split,
            backbone,
            surgery.inputShape,
            inferenceBackend,
            workers,
            batchSize,
            threads,
            engines,
            combined.imageShape,
          );
          const t = Date.now();
          const label = `${ph.name}:${missing.map((p) => p.name).join('+')}`;
          try {
            features = await engine.run({
              set: combined,
              onProgress: (done, total) => {
                const rate = done / Math.max((Date.now() - t) / 1000, 1e-3);
                args.onProgress?.({
                  stage: 'features',
                  phase: label,
                  epoch: 0,
                  epochs: ph.epochs,
                  batch: done,
                  batches: total,
                  imagesPerSec: rate,
                  etaSeconds: (total - done) / rate,
                });
              },
            });
          } finally {
            await engine.dispose();
          }
        }
        let offset = 0;
        for (const p of missing) {
          const part = sliceFeatures(features, offset, p.set.count);
          offset += p.set.count;
          computed.set(p.name, part);
          await cache.set(p.key, part);
        }
      }
      const [trainF, valF, testF] = parts.map((p, i) => ({
        features: found[i] ?? computed.get(p.name)!,
        hit: !!found[i],
        key: p.key,
      })) as [FeatureResult, FeatureResult, FeatureResult];
      const hit = trainF.hit && valF.hit && testF.hit;
      log(
        `phase ${ph.name}: frozen prefix ${split.prefix ? `ends at ${split.boundary.join(', ')}` : 'is empty'}; features ${hit ? 'from cache' : 'computed'}`,
      );
      testFeatures = testF.features;
      const featureSeconds = (Date.now() - tf0) / 1000;

      // 2. Trainable suffix, on a backend that can train it.
      // A layer blocks the training backend only if a gradient kernel it needs is missing there
      // (with Graft's kernels registered, wasm trains convolutions, depthwise included).
      const blocker = split.suffix.layers
        .map((l) => ({ l, missing: missingGradientKernels(l.getClassName(), plan.training) }))
        .find((b) => b.missing.length > 0);
      const trainingBackend =
        train.engine?.trainingBackend ?? (blocker ? plan.fallbackTraining : plan.training);
      if (blocker && !train.engine?.trainingBackend) {
        log(
          `phase ${ph.name}: ${plan.training} cannot train through ${blocker.l.getClassName()} ('${blocker.l.name}'; ` +
            `no ${blocker.missing.join(', ')} kernel); the trainable part is routed to ${trainingBackend}`,
        );
      }
      await useBackend(trainingBackend);
      const trainingWorkers = trainingWorkersFor(split.suffix, trainingBackend, batchSize, train);
      const gradients = trainingWorkers > 0 ? GradientWorkers.start(trainingWorkers) : undefined;
      if (gradients) {
        log(
          `phase ${ph.name}: the trainable part trains data-parallel on ${trainingWorkers} ${trainingBackend} worker threads`,
        );
      }
      const tt0 = Date.now();
      const augmentation = train.augmentation;
      const augmenting = !!(
        augmentation &&
        (augmentation.flipHorizontal || augmentation.randomCrop)
      );
      if (augmenting) {
        log(
          `phase ${ph.name}: augmentation on: the frozen prefix runs on augmented images every epoch`,
        );
      }
      const fit = await fitPhase({
        model: split.suffix,
        train: { features: trainF.features, labels: data.train.labels },
        validation: { features: valF.features, labels: data.validation.labels },
        numClasses: classes.length,
        phase: ph.name,
        epochs: ph.epochs,
        learningRate: ph.lr,
        optimizer: ph.optimizer as 'adam',
        batchSize,
        seed: seed + phases.length,
        earlyStopping: train.earlyStopping === undefined ? { patience: 3 } : train.earlyStopping,
        onProgress: args.onProgress,
        ...(args.signal ? { signal: args.signal } : {}),
        ...(gradients ? { gradients } : {}),
        trainFeaturesForEpoch: augmenting
          ? async (epoch) => {
              const augmented = augmentImageSet(
                data.train,
                augmentation!,
                seed * 131 + epoch + phases.length * 10007,
              );
              if (!split.prefix) return preprocessedImages(augmented, backbone, surgery.inputShape);
              const e = await createEngine(
                split,
                backbone,
                surgery.inputShape,
                inferenceBackend,
                workers,
                batchSize,
                threads,
                engines,
                augmented.imageShape,
              );
              try {
                return await e.run({ set: augmented });
              } finally {
                await e.dispose();
                await useBackend(trainingBackend);
              }
            }
          : undefined,
      }).finally(() => gradients?.close());
      history.push(...fit.history);
      phases.push({
        name: ph.name,
        epochs: ph.epochs,
        epochsRun: fit.epochsRun,
        earlyStopped: fit.earlyStopped,
        bestEpoch: fit.bestEpoch,
        optimizer: ph.optimizer,
        learningRate: ph.lr,
        trainableLayers: state.trainableLayers,
        frozenLayers: state.frozenLayers,
        trainableParams: state.trainableParams,
        boundary: split.boundary,
        trainingWorkers,
        featureCache: { key: trainF.key, hit },
        backends: {
          inference:
            usedEngine(engines)?.description.backend ??
            (engines.candidates[0] === 'onnxruntime' ? 'onnxruntime' : inferenceBackend),
          training: trainingBackend,
        },
        engine: usedEngine(engines)?.description ?? null,
        engineFallbacks: usedEngine(engines)?.fallbacks ?? [],
        featureSeconds,
        trainSeconds: (Date.now() - tt0) / 1000,
      });
    }

    // 3. Evaluation on the test split.
    args.signal?.throwIfAborted();
    args.onProgress?.({
      stage: 'evaluate',
      phase: 'test',
      epoch: 0,
      epochs: 0,
      batch: 0,
      batches: 1,
      imagesPerSec: 0,
      etaSeconds: 0,
    });
    const probs = await predictAll(lastSplit!.suffix, testFeatures!, 256);
    lastSplit!.suffix.dispose();
    lastSplit = undefined;
    const evaluation = evaluateClassifier({
      labels: data.test.labels,
      probabilities: probs,
      classes,
    });
    const artifacts = await modelToArtifacts(model);
    return {
      model,
      surgery: {
        ...surgery,
        ...describe(model, new Set(surgery.headLayers)),
        freeze: args.surgery.freeze ?? { kind: 'all' },
      },
      phases,
      history,
      evaluation,
      weightsSha256: fingerprintArtifacts(artifacts).weightsSha256,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    lastSplit?.suffix.dispose();
    model.dispose();
    throw err;
  }
}

/** Layers whose gradients are convolutions: worth spreading over threads (a dense head is not). */
const COMPUTE_BOUND_LAYERS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);

/**
 * How many worker threads train a phase (see `TrainSpec.engine.trainingWorkers`): by default one
 * per core when the trainable part has trainable convolutions and trains on wasm (one thread per
 * wasm instance in Node), none for a head alone (its steps take milliseconds: threads would cost
 * more than they save) or on tfjs-node (which uses every core itself).
 */
function trainingWorkersFor(
  suffix: tf.LayersModel,
  backend: BackendName,
  batchSize: number,
  train: TrainSpec,
): number {
  const forced = train.engine?.trainingWorkers;
  const n =
    forced ??
    (backend === 'wasm' &&
    suffix.layers.some((l) => l.trainable && COMPUTE_BOUND_LAYERS.has(l.getClassName()))
      ? cpus().length
      : 0);
  // Every shard needs a couple of images; one worker is no better than this thread.
  const usable = Math.min(n, Math.floor(batchSize / 2));
  return usable >= 2 ? usable : 0;
}

/** The engine the last {@link createEngine} created (TypeScript cannot see it set through the call). */
function usedEngine(ctx: EngineContext): EngineContext['used'] {
  return ctx.used;
}

/** Creates the frozen-prefix engine (see {@link createFrozenForwardEngine}) and notes it in `ctx.used`. */
async function createEngine(
  split: SplitModel,
  backbone: Backbone,
  inputShape: [number, number, number],
  backend: BackendName,
  workers: number,
  batchSize: number,
  threads: Worker[] | undefined,
  ctx: EngineContext,
  imageShape: [number, number, number],
): Promise<FrozenForwardEngine> {
  const created = await createFrozenForwardEngine({
    imageShape,
    prefix: split.prefix!,
    outputShapes: split.boundaryShapes,
    preprocessing: backbone.preprocessing,
    inputSize: [inputShape[0], inputShape[1]],
    backend,
    workers,
    batchSize,
    threads,
    candidates: ctx.candidates,
    ortThreads: ctx.ortThreads,
    graphs: {
      cache: ctx.graphs,
      key: CompiledGraphCache.key({
        topologySha256: backbone.fingerprint.topologySha256,
        weightsSha256: backbone.fingerprint.weightsSha256,
        cut: { boundary: split.boundary, topology: prefixSignature(split.prefix!) },
        inputShape,
      }),
    },
    log: ctx.log,
  });
  ctx.used = { ...created, description: created.engine.description };
  return created.engine;
}

interface FeatureResult {
  features: Features;
  hit: boolean;
  key: string;
}

/** Rows `start..start+count` of every feature block (copies). */
function sliceFeatures(f: Features, start: number, count: number): Features {
  return {
    count,
    blocks: f.blocks.map((b) => {
      const per = b.data.length / f.count;
      return { shape: b.shape, data: b.data.slice(start * per, (start + count) * per) };
    }),
  };
}

/** One ImageSet holding the images of several (same image shape), in order. */
function concatImageSets(sets: ImageSet[]): ImageSet {
  if (sets.length === 1) return sets[0]!;
  const first = sets[0]!;
  const pixels = new Uint8Array(sets.reduce((n, s) => n + s.pixels.length, 0));
  const labels = new Int32Array(sets.reduce((n, s) => n + s.count, 0));
  let p = 0;
  let l = 0;
  for (const s of sets) {
    pixels.set(s.pixels, p);
    labels.set(s.labels, l);
    p += s.pixels.length;
    l += s.count;
  }
  return {
    ...first,
    pixels,
    labels,
    count: labels.length,
    sources: sets.flatMap((s) => s.sources),
  };
}

/** Images preprocessed for the model input, as features (when nothing is frozen). */
function preprocessedImages(
  set: ImageSet,
  backbone: Backbone,
  inputShape: [number, number, number],
): Features {
  const features = allocateFeatures(set.count, [[...inputShape]]);
  const per = inputShape[0] * inputShape[1] * inputShape[2];
  for (let s = 0; s < set.count; s += 256) {
    const end = Math.min(set.count, s + 256);
    const t = imagesToTensor({
      set,
      start: s,
      end,
      preprocessing: backbone.preprocessing,
      size: [inputShape[0], inputShape[1]],
    });
    features.blocks[0]!.data.set(t.dataSync() as Float32Array, s * per);
    t.dispose();
  }
  return features;
}

/** A copy of `set` with its pixels augmented (seeded). */
function augmentImageSet(
  set: ImageSet,
  spec: NonNullable<TrainSpec['augmentation']>,
  seed: number,
): ImageSet {
  const [h, w, c] = set.imageShape;
  const pixels = new Uint8Array(set.pixels.length);
  for (let s = 0; s < set.count; s += 256) {
    const end = Math.min(set.count, s + 256);
    const out = tf.tidy(() => {
      const x = tf
        .tensor4d(set.pixels.subarray(s * h * w * c, end * h * w * c), [end - s, h, w, c], 'int32')
        .toFloat();
      return augmentBatch(x, {
        flipHorizontal: spec.flipHorizontal,
        randomCrop: spec.randomCrop,
        seed: seed + s,
      });
    });
    pixels.set(
      Uint8Array.from(out.dataSync() as Float32Array, (v) => Math.round(v)),
      s * h * w * c,
    );
    out.dispose();
  }
  return { ...set, pixels };
}
