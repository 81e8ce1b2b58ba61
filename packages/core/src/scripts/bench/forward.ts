/**
 * Frozen-forward throughput per engine: MobileNetV2 cut at `out_relu`, everything frozen, the
 * prefix that `splitAtFreezeBoundary` gives, run by `onnxruntime` (the prefix compiled to ONNX,
 * ONNX Runtime with 2 intra-op threads), `tfjs-wasm` (the worker pool, one wasm model per core) and
 * `tfjs` (in-process on one backend: wasm, and cpu at the smallest size). Each line also gives the
 * arithmetic rate (2 x multiply-accumulates of the prefix per image x images/s) and its share of
 * the CPU's estimated peak FP32 rate (see {@link estimatePeakFp32}).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { detectBackends, useBackend, type BackendName } from '../../backend.js';
import { modelToArtifacts } from '../../backbones/artifacts.js';
import type { Backbone } from '../../backbones/types.js';
import { loadMnistDigits } from '../../data/mnist.js';
import { subsetImages } from '../../data/split.js';
import type { ImageSet } from '../../data/types.js';
import { compileToOnnx } from '../../onnx/compile.js';
import { loadOnnxRuntime } from '../../onnx/runtime.js';
import { applySurgery } from '../../surgery/surgery.js';
import { splitAtFreezeBoundary } from '../../surgery/split.js';
import {
  InProcessForward,
  OnnxRuntimeForward,
  WorkerPoolForward,
  type FrozenForwardArgs,
  type FrozenForwardEngine,
  type InferenceEngineName,
} from '../../training/frozenForward.js';
import { emit, log, round, secondsSince } from './report.js';

/** One engine to measure. */
export interface ForwardEngineRun {
  engine: InferenceEngineName;
  /** tfjs backend of the tfjs engines (`onnxruntime` for ORT). */
  backend: BackendName | 'onnxruntime';
  /** Timed images per pass (the warm-up comes on top). */
  images: number;
  /** Timed passes; the best one is reported (the machine may be shared). */
  repeats: number;
  /** Sizes to measure this engine at; default all. */
  sizes?: number[];
}

export interface ForwardBenchOptions {
  engines: ForwardEngineRun[];
  sizes: number[];
  batch: number;
  /** Workers of the tfjs-wasm pool (one per core). */
  workers: number;
  /** Intra-op threads of ONNX Runtime. */
  ortThreads: number;
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

/** The CPU's peak FP32 rate, estimated from its flags and clock, and how. */
export interface PeakEstimate {
  cores: number;
  ghz: number;
  flopsPerCycle: number;
  gflops: number;
  how: string;
}

/**
 * Peak FP32 FLOP/s = cores x GHz x FLOPs per cycle per core. With AVX2 + FMA a core retires two
 * 256-bit FMAs per cycle: 2 units x 8 float32 lanes x 2 FLOPs (multiply + add) = 32 FLOPs/cycle.
 * With AVX-512 an Intel server core (Skylake-SP and later Xeons) or AMD Zen 5 retires two 512-bit
 * FMAs: 64 FLOPs/cycle (Xeons with a single 512-bit FMA unit exist: for them this overstates the
 * peak, so the share printed is a lower bound). Zen 4 runs AVX-512 double-pumped over its
 * 256-bit units: 32. The clock is `cpu MHz` from /proc/cpuinfo: the nominal/TSC clock in a VM;
 * turbo can be higher.
 */
export function estimatePeakFp32(): PeakEstimate {
  let flags = '';
  let mhz = 0;
  let vendor = '';
  let family = 0;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    flags = /^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '';
    mhz = Number(/^cpu MHz\s*:\s*([\d.]+)$/m.exec(info)?.[1] ?? 0);
    vendor = /^vendor_id\s*:\s*(\S+)/m.exec(info)?.[1] ?? '';
    family = Number(/^cpu family\s*:\s*(\d+)/m.exec(info)?.[1] ?? 0);
  } catch {
    // not Linux: fall back to os.cpus()
  }
  const list = cpus();
  if (!mhz) mhz = list[0]?.speed ?? 0;
  const has = (f: string) => new RegExp(`\\b${f}\\b`).test(flags);
  const avx512Full =
    has('avx512f') && (vendor === 'GenuineIntel' || (vendor === 'AuthenticAMD' && family >= 26));
  const flopsPerCycle = avx512Full ? 64 : has('avx2') && has('fma') ? 32 : has('avx') ? 16 : 8;
  const cores = list.length;
  const ghz = mhz / 1000;
  const unit =
    flopsPerCycle === 64
      ? 'AVX-512 FMA: 2 FMA units x 16 float32 lanes x 2'
      : flopsPerCycle === 32
        ? `AVX2 FMA: 2 FMA units x 8 float32 lanes x 2${has('avx512f') ? '; AVX-512 double-pumped' : ''}`
        : 'no AVX2+FMA';
  return {
    cores,
    ghz: round(ghz, 3),
    flopsPerCycle,
    gflops: round(cores * ghz * flopsPerCycle, 1),
    how: `${cores} cores x ${ghz.toFixed(3)} GHz (cpu MHz, /proc/cpuinfo) x ${flopsPerCycle} FLOPs/cycle (${unit})`,
  };
}

/** Multiply-accumulates per image of the convolutions and dense layers of `model`. */
export function macsPerImage(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const c = layer.getConfig() as Record<string, unknown>;
    const outShape = layer.outputShape as number[];
    const inShape = layer.inboundNodes[0]?.inputTensors[0]?.shape as number[] | undefined;
    if (!inShape) continue;
    const k = (c.kernelSize as number[] | undefined) ?? [1, 1];
    const spatial = (outShape[1] ?? 1) * (outShape[2] ?? 1);
    const cin = inShape[inShape.length - 1]!;
    const cout = outShape[outShape.length - 1]!;
    if (cls === 'Conv2D') macs += spatial * k[0]! * k[1]! * cin * cout;
    else if (cls === 'DepthwiseConv2D') macs += spatial * k[0]! * k[1]! * cout;
    else if (cls === 'SeparableConv2D') {
      const mult = (c.depthMultiplier as number | undefined) ?? 1;
      macs += spatial * (k[0]! * k[1]! * cin * mult + cin * mult * cout);
    } else if (cls === 'Dense') macs += cin * cout;
  }
  return macs;
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
      throw new Error(`${engine.description.engine} returned bad features`);
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

/** Measures every engine at every size; returns images/s by `${engine}:${backend}@${size}`. */
export async function benchForward(
  backbone: Backbone,
  opts: ForwardBenchOptions,
): Promise<Map<string, number>> {
  const available = await detectBackends();
  const ort = await loadOnnxRuntime();
  const peak = estimatePeakFp32();
  log(`forward: peak FP32 estimate ${peak.gflops} GFLOP/s = ${peak.how}`);
  const maxImages = Math.max(...opts.engines.map((e) => e.images));
  // Real-looking input: MNIST digits, resized and repeated to 3 channels (backbone preprocessing).
  const all = loadMnistDigits({ limit: maxImages });
  const results = new Map<string, number>();

  for (const size of opts.sizes) {
    await useBackend(available.wasm ? 'wasm' : 'cpu');
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
      const macs = macsPerImage(split.prefix);
      log(
        `forward ${size}x${size}: prefix of ${split.prefixLayers.length} layers ending at ` +
          `${split.boundary.join(', ')} ${JSON.stringify(split.boundaryShapes)}; ` +
          `${(macs / 1e6).toFixed(1)} M multiply-accumulates per image; batch ${opts.batch}`,
      );
      const artifacts = await modelToArtifacts(split.prefix);
      for (const run of opts.engines) {
        if (run.sizes && !run.sizes.includes(size)) continue;
        if (run.engine === 'onnxruntime' && 'error' in ort) {
          log(`forward: onnxruntime does not load here (${ort.error}); skipped`);
          continue;
        }
        if (run.backend === 'wasm' && !available.wasm) {
          log(`forward: the wasm backend is not available here; skipped`);
          continue;
        }
        if (run.backend === 'tensorflow' && !available.tensorflow) continue;
        const set =
          run.images === all.count
            ? all
            : subsetImages(
                all,
                Int32Array.from({ length: run.images }, (_, i) => i),
                'bench',
              );
        const tfArgs = (backend: BackendName): FrozenForwardArgs => ({
          artifacts,
          outputShapes: split.boundaryShapes,
          preprocessing: backbone.preprocessing,
          inputSize: [size, size],
          backend,
          batchSize: opts.batch,
        });
        const t0 = performance.now();
        let engine: FrozenForwardEngine;
        let compileSeconds: number | undefined;
        if (run.engine === 'onnxruntime') {
          await useBackend(available.wasm ? 'wasm' : 'cpu'); // preprocessing runs on tfjs
          const compiled = compileToOnnx(split.prefix);
          compileSeconds = secondsSince(t0);
          engine = await OnnxRuntimeForward.create({
            compiled,
            preprocessing: backbone.preprocessing,
            inputSize: [size, size],
            batchSize: opts.batch,
            threads: opts.ortThreads,
            imageShape: set.imageShape,
          });
        } else if (run.engine === 'tfjs-wasm') {
          engine = await WorkerPoolForward.create({
            ...tfArgs(run.backend as BackendName),
            workers: opts.workers,
          });
        } else {
          await useBackend(run.backend as BackendName);
          // the prefix built here is reused (not disposed by the engine)
          engine = new InProcessForward(tfArgs(run.backend as BackendName), split.prefix);
        }
        const startupSeconds = secondsSince(t0);
        const d = engine.description;
        let m: Measured;
        try {
          m = await measure(engine, set, opts.batch * Math.max(1, d.workers), run.repeats);
        } finally {
          await engine.dispose();
        }
        const gflops = (2 * macs * m.imagesPerSec) / 1e9;
        results.set(`${run.engine}:${run.backend}@${size}`, m.imagesPerSec);
        log(
          `  ${run.engine} (${d.backend}${d.workers ? ` x${d.workers} workers` : ''}${d.threads ? `, ${d.threads} threads` : ''}): ` +
            `${m.imagesPerSec.toFixed(1)} images/s, ${gflops.toFixed(1)} GFLOP/s = ${((100 * gflops) / peak.gflops).toFixed(1)}% of peak ` +
            `(passes ${m.runs.join(', ')} images/s; start-up ${startupSeconds.toFixed(2)} s)`,
        );
        emit('forward', {
          engine: run.engine,
          backend: d.backend,
          size,
          imagesPerSec: round(m.imagesPerSec, 1),
          batch: opts.batch,
          workers: d.workers,
          threads: d.threads,
          images: m.images,
          seconds: round(m.seconds),
          runs: m.runs,
          startupSeconds: round(startupSeconds),
          ...(compileSeconds !== undefined && { compileSeconds: round(compileSeconds) }),
          macsPerImage: macs,
          gflops: round(gflops, 1),
          peakGflops: peak.gflops,
          peakShare: round(gflops / peak.gflops, 3),
        });
      }
      const ortRate = results.get(`onnxruntime:onnxruntime@${size}`);
      const poolRate = results.get(`tfjs-wasm:wasm@${size}`);
      const singleRate = results.get(`tfjs:wasm@${size}`);
      if (ortRate && poolRate) {
        emit('forward-speedup', {
          size,
          engine: 'onnxruntime',
          over: 'tfjs-wasm',
          speedup: round(ortRate / poolRate, 2),
          ...(size === 160 && { target: 8, meetsTarget: ortRate / poolRate >= 8 }),
        });
      }
      if (poolRate && singleRate) {
        emit('forward-pool-speedup', {
          backend: 'wasm',
          size,
          workers: opts.workers,
          speedup: round(poolRate / singleRate, 2),
        });
      }
    } finally {
      split.suffix.dispose();
      // The prefix shares its layers with the model: disposing the model frees them.
      surgery.model.dispose();
    }
    log(`forward ${size}: ${tf.memory().numTensors} tensors left allocated`);
  }
  emit('peak-fp32', { ...peak });
  return results;
}
