/**
 * The frozen-prefix engines in training: ONNX Runtime by default, a logged fall-back to tfjs when a
 * layer has no ONNX translation, a spec that forces an engine, the lineage, and the compiled-graph
 * cache (memory and disk).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/catalog.js';
import { modelToArtifacts } from '../backbones/artifacts.js';
import type { Backbone } from '../backbones/types.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import type { DatasetSplit } from '../data/types.js';
import { validateLineageRecord } from '../lineage/schema.js';
import { applySurgery } from '../surgery/surgery.js';
import { splitAtFreezeBoundary } from '../surgery/split.js';
import { loadTinyBackbone } from '../testing/tinyBackbone.js';
import { DirectoryFeatureCache, MemoryFeatureCache } from '../training/featureCache.js';
import { InProcessForward, OnnxRuntimeForward } from '../training/frozenForward.js';
import { buildLineageRecord } from '../training/lineage.js';
import type { TrainSpec } from '../training/spec.js';
import { trainTransferModel } from '../training/train.js';
import { CompiledGraphCache } from './cache.js';
import { compileToOnnx, UnsupportedLayerError } from './compile.js';

let tiny: Backbone;
let upsampling: Backbone;
let data: DatasetSplit;
let dir: string;

/** A backbone whose frozen prefix has a layer the compiler does not translate (UpSampling2D). */
async function upsamplingBackbone(): Promise<Backbone> {
  const input = tf.input({ shape: [8, 8, 3], name: 'input' });
  const conv = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv' })
    .apply(input) as tf.SymbolicTensor;
  const up = tf.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(conv) as tf.SymbolicTensor;
  const pool = tf.layers
    .maxPooling2d({ poolSize: 2, name: 'features' })
    .apply(up) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: pool, name: 'up' });
  const artifacts = await modelToArtifacts(model);
  model.dispose();
  return loadBackbone({
    ioHandler: tf.io.fromMemory({ ...artifacts }),
    name: 'upsampling',
    lastFeatureLayer: 'features',
  });
}

beforeAll(async () => {
  tiny = await loadTinyBackbone();
  upsampling = await upsamplingBackbone();
  data = splitDataset({ set: loadMnistDigits({ digits: [0, 1, 2], limit: 240 }), seed: 3 });
  dir = await mkdtemp(join(tmpdir(), 'graft-onnx-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fe = (engine: TrainSpec['engine']): TrainSpec => ({
  mode: 'feature-extraction',
  epochs: 2,
  learningRate: 0.01,
  earlyStopping: false,
  engine,
});

describe('OnnxRuntimeForward', () => {
  it('computes the features tfjs computes (1e-4 of their scale)', async () => {
    const { model } = await applySurgery({
      backbone: tiny,
      spec: { inputShape: [16, 16, 3], head: { classes: ['0', '1', '2'] } },
    });
    const split = splitAtFreezeBoundary(model);
    const common = {
      outputShapes: split.boundaryShapes,
      preprocessing: tiny.preprocessing,
      inputSize: [16, 16] as [number, number],
      batchSize: 13, // not a divisor of the count: a short last batch
    };
    const ort = await OnnxRuntimeForward.create({
      ...common,
      compiled: compileToOnnx(split.prefix!),
    });
    const local = new InProcessForward(
      { ...common, artifacts: await modelToArtifacts(split.prefix!), backend: 'cpu' },
      split.prefix!,
    );
    try {
      const progress: number[] = [];
      const a = await ort.run({ set: data.validation, onProgress: (d) => progress.push(d) });
      const b = await local.run({ set: data.validation });
      expect(a.count).toBe(data.validation.count);
      expect(progress.at(-1)).toBe(data.validation.count);
      const x = a.blocks[0]!.data;
      const y = b.blocks[0]!.data;
      expect(x.length).toBe(y.length);
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < y.length; i++) {
        diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
        scale = Math.max(scale, Math.abs(y[i]!));
      }
      expect(scale).toBeGreaterThan(0);
      expect(diff / scale).toBeLessThan(1e-4);
      expect(ort.description).toEqual({
        engine: 'onnxruntime',
        kind: 'in-process',
        backend: 'onnxruntime',
        workers: 0,
        threads: 2,
      });
    } finally {
      await ort.dispose();
      await local.dispose();
      split.suffix.dispose();
      model.dispose();
    }
  });
});

describe('trainTransferModel engines', () => {
  it('runs the frozen prefix on ONNX Runtime by default and records it in the lineage', async () => {
    const lines: string[] = [];
    const surgery = {
      inputShape: [16, 16, 3] as [number, number, number],
      head: { classes: ['0', '1', '2'] },
    };
    const train = fe({ workers: 0 });
    const r = await trainTransferModel({
      backbone: tiny,
      data,
      surgery,
      train,
      featureCache: new MemoryFeatureCache(),
      log: (l) => lines.push(l),
    });
    try {
      const p = r.phases[0]!;
      expect(p.engine).toMatchObject({ engine: 'onnxruntime', backend: 'onnxruntime', threads: 2 });
      expect(p.engineFallbacks).toEqual([]);
      expect(p.backends.inference).toBe('onnxruntime');
      // The same run with tfjs features trains the same model (features agree to float rounding).
      const t = await trainTransferModel({
        backbone: tiny,
        data,
        surgery,
        train: fe({ workers: 0, inference: 'tfjs' }),
        featureCache: new MemoryFeatureCache(),
      });
      t.model.dispose();
      expect(t.phases[0]!.engine!.engine).toBe('tfjs');
      expect(r.evaluation.accuracy).toBe(t.evaluation.accuracy);
      r.history.forEach((h, i) => expect(h.loss).toBeCloseTo(t.history[i]!.loss, 4));
      const record = await buildLineageRecord({ backbone: tiny, surgery, train, data, result: r });
      expect(validateLineageRecord(record)).toEqual([]);
      expect(record.training.phases[0]!.engine).toEqual({
        name: 'onnxruntime',
        backend: 'onnxruntime',
        workers: 0,
        threads: 2,
        fallbacks: [],
      });
      expect(record.training.backends.inference).toBe('onnxruntime');
      expect(record.training.libraries['onnxruntime-node']).toMatch(/^\d+\.\d+\.\d+/);
    } finally {
      r.model.dispose();
    }
  });

  it('falls back to tfjs, saying which layer ONNX cannot take, and records the fallback', async () => {
    const lines: string[] = [];
    const surgery = { head: { classes: ['0', '1', '2'] } };
    const train = fe({ workers: 0 });
    const r = await trainTransferModel({
      backbone: upsampling,
      data,
      surgery,
      train,
      featureCache: new MemoryFeatureCache(),
      log: (l) => lines.push(l),
    });
    try {
      expect(lines.join('\n')).toMatch(
        /onnxruntime cannot run it \(cannot compile layer 'up' \(UpSampling2D\) to ONNX[^)]*\); falling back to tfjs/,
      );
      const p = r.phases[0]!;
      expect(p.engine).toMatchObject({ engine: 'tfjs', kind: 'in-process' });
      expect(p.engineFallbacks).toHaveLength(1);
      expect(p.engineFallbacks[0]!.engine).toBe('onnxruntime');
      expect(p.engineFallbacks[0]!.reason).toMatch(/'up' \(UpSampling2D\)/);
      const record = await buildLineageRecord({
        backbone: upsampling,
        surgery,
        train,
        data,
        result: r,
      });
      expect(validateLineageRecord(record)).toEqual([]);
      expect(record.training.phases[0]!.engine!.fallbacks[0]!.engine).toBe('onnxruntime');
    } finally {
      r.model.dispose();
    }
  });

  it('a spec that forces onnxruntime fails on a layer ONNX cannot take; forcing tfjs uses tfjs', async () => {
    await expect(
      trainTransferModel({
        backbone: upsampling,
        data,
        surgery: { head: { classes: ['0', '1', '2'] } },
        train: fe({ inference: 'onnxruntime' }),
        featureCache: new MemoryFeatureCache(),
      }),
    ).rejects.toBeInstanceOf(UnsupportedLayerError);
    const r = await trainTransferModel({
      backbone: tiny,
      data,
      surgery: { inputShape: [16, 16, 3], head: { classes: ['0', '1', '2'] } },
      train: fe({ inference: 'tfjs', workers: 0 }),
      featureCache: new MemoryFeatureCache(),
    });
    r.model.dispose();
    expect(r.phases[0]!.engine).toMatchObject({ engine: 'tfjs' });
    expect(r.phases[0]!.backends.inference).not.toBe('onnxruntime');
  });

  it('a spec that forces tfjs-wasm runs the prefix in the worker pool, with the features ONNX Runtime computes', async () => {
    const surgery = {
      inputShape: [16, 16, 3] as [number, number, number],
      head: { classes: ['0', '1', '2'] },
    };
    const lines: string[] = [];
    const train = fe({ inference: 'tfjs-wasm', workers: 1 });
    const pool = await trainTransferModel({
      backbone: tiny,
      data,
      surgery,
      train,
      featureCache: new MemoryFeatureCache(),
      log: (l) => lines.push(l),
    });
    const ort = await trainTransferModel({
      backbone: tiny,
      data,
      surgery,
      train: fe({ workers: 0 }),
      featureCache: new MemoryFeatureCache(),
    });
    try {
      const p = pool.phases[0]!;
      expect(p.engine).toEqual({
        engine: 'tfjs-wasm',
        kind: 'worker-pool',
        backend: 'wasm',
        workers: 1,
        threads: 0,
      });
      expect(p.engineFallbacks).toEqual([]);
      expect(p.backends.inference).toBe('wasm');
      expect(lines.join('\n')).not.toMatch(/compiled to ONNX|falling back/);
      expect(ort.phases[0]!.engine!.engine).toBe('onnxruntime');
      // Same features to float rounding, so the same training.
      expect(pool.evaluation.accuracy).toBe(ort.evaluation.accuracy);
      pool.history.forEach((h, i) => expect(h.loss).toBeCloseTo(ort.history[i]!.loss, 4));
      const record = await buildLineageRecord({
        backbone: tiny,
        surgery,
        train,
        data,
        result: pool,
      });
      expect(validateLineageRecord(record)).toEqual([]);
      expect(record.training.phases[0]!.engine).toMatchObject({ name: 'tfjs-wasm', workers: 1 });
    } finally {
      pool.model.dispose();
      ort.model.dispose();
    }
    // Forced without workers, it cannot run: an error that says why, not another engine.
    await expect(
      trainTransferModel({
        backbone: tiny,
        data,
        surgery,
        train: fe({ inference: 'tfjs-wasm', workers: 0 }),
        featureCache: new MemoryFeatureCache(),
      }),
    ).rejects.toThrow(/tfjs-wasm pool needs at least one worker/);
  });

  it('average and max head pooling (both named head_pool) get their own features and graphs', async () => {
    const cache = new MemoryFeatureCache();
    const lines: string[] = [];
    const run = async (pooling: 'avg' | 'max') => {
      const r = await trainTransferModel({
        backbone: tiny,
        data,
        surgery: { inputShape: [16, 16, 3], head: { pooling, classes: ['0', '1', '2'] } },
        train: fe({ workers: 0 }),
        featureCache: cache,
        log: (l) => lines.push(l),
      });
      r.model.dispose();
      return r.phases[0]!;
    };
    const avg = await run('avg');
    const before = lines.length;
    const max = await run('max');
    expect(avg.featureCache.hit).toBe(false);
    expect(max.featureCache.hit).toBe(false);
    expect(max.featureCache.key).not.toBe(avg.featureCache.key);
    // the max-pooling prefix is compiled, not taken from the (process-wide) graph of the avg one
    const maxLines = lines.slice(before).join('\n');
    expect(maxLines).toMatch(/compiled to ONNX in/);
    expect(maxLines).not.toMatch(/compiled ONNX graph from the/);
    expect((await run('max')).featureCache.hit).toBe(true);
  });

  it('keeps compiled graphs next to the feature cache: a new dataset over the same prefix does not recompile', async () => {
    const cacheDir = join(dir, 'features');
    const features = new DirectoryFeatureCache(cacheDir);
    const lines: string[] = [];
    const run = async (d: DatasetSplit) => {
      const r = await trainTransferModel({
        backbone: tiny,
        data: d,
        surgery: { inputShape: [16, 16, 3], head: { classes: d.train.classes } },
        train: fe({ workers: 0 }),
        featureCache: features,
        log: (l) => lines.push(l),
      });
      r.model.dispose();
    };
    await run(data);
    expect(lines.filter((l) => /compiled to ONNX in/.test(l))).toHaveLength(1);
    const other = splitDataset({
      set: loadMnistDigits({ digits: [0, 1, 2], limit: 120 }),
      seed: 9,
    });
    await run(other);
    expect(lines.filter((l) => /compiled to ONNX in/.test(l))).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/compiled ONNX graph from the memory cache/);
    const files = await readdir(join(cacheDir, 'onnx'));
    expect(files.filter((f) => f.endsWith('.onnx'))).toHaveLength(1);

    // A new process (a new cache over the same directory) reads the graph from disk.
    const key = files.find((f) => f.endsWith('.onnx'))!.replace(/\.onnx$/, '');
    const fresh = new CompiledGraphCache(join(cacheDir, 'onnx'));
    const got = await fresh.getOrCompile(key, () => {
      throw new Error('must not recompile');
    });
    expect(got.hit).toBe('disk');
    // the prefix ends with the head's (parameter-free) pooling
    expect(got.compiled.outputShapes).toEqual([[16]]);
    expect(got.compiled.bytes.byteLength).toBeGreaterThan(1000);
  });
});
