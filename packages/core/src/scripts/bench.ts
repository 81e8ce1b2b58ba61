/**
 * Performance bench of @graft/core.
 *
 *   npm run bench -w @graft/core                        # everything (~several minutes on 2 cores)
 *   npm run bench -w @graft/core -- --only forward      # frozen-forward throughput only
 *   npm run bench -w @graft/core -- --only fe-vs-naive  # planned vs naive feature extraction (+ cache hit)
 *   npm run bench -w @graft/core -- --only finetune-epoch  # one fine-tuning epoch, MobileNetV2 top at 160x160
 *   npm run bench -w @graft/core -- --only finetune-epoch --backend wasm  # that, on one backend
 *   npm run bench -w @graft/core -- --only kernels      # gradient kernels: Graft's vs tfjs' own
 *   npm run bench -w @graft/core -- --quick             # smaller counts: a smoke test
 *
 * stdout: one JSON object per line per measurement, each with `bench`, `date`, `cpus`, `cpuModel`:
 *   forward               frozen-forward images/s of MobileNetV2 cut at out_relu, per backend, size, workers
 *   forward-pool-speedup  worker pool / one thread (wasm)
 *   fe-vs-naive           planned trainTransferModel vs tfjs fit on the whole model, same images
 *   cache-hit             the planned run again once the features are cached
 *   finetune-epoch        seconds of one fine-tuning epoch (512 images, batch 32) per backend (cpu: one
 *                         batch extrapolated; also with tfjs' own cpu gradient kernels unless --quick)
 *   kernel                ms of each gradient kernel, Graft's vs tfjs' (cpu, and wasm's where it has one)
 *   total                 the bench's own wall-clock time
 * Progress goes to stderr.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { planBackends, type BackendName } from '../backend.js';
import { loadBackbone } from '../backbones/catalog.js';
import { benchFeVsNaive } from './bench/feVsNaive.js';
import { benchFinetuneEpoch } from './bench/finetuneEpoch.js';
import { benchForward } from './bench/forward.js';
import { benchKernels } from './bench/kernels.js';
import { emit, log, round, secondsSince } from './bench/report.js';

const ONLY = ['forward', 'fe-vs-naive', 'finetune-epoch', 'kernels'] as const;
type Only = (typeof ONLY)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    /** finetune-epoch: only this backend (default: wasm and cpu). */
    backend: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stderr.write(`usage: bench [--only ${ONLY.join('|')}] [--quick] [--backend wasm|cpu]\n`);
  process.exit(0);
}
if (values.only !== undefined && !ONLY.includes(values.only as Only)) {
  process.stderr.write(`bench: --only must be one of ${ONLY.join(', ')}, got '${values.only}'\n`);
  process.exit(2);
}
const only = values.only as Only | undefined;
const quick = values.quick!;
const runs = (name: Only): boolean => only === undefined || only === name;

const started = performance.now();
try {
  const t0 = performance.now();
  const backbone = await loadBackbone({ source: 'mobilenet_v2' });
  const plan = await planBackends();
  log(
    `${backbone.name} loaded in ${secondsSince(t0).toFixed(2)} s; backends: inference ${plan.inference}, ` +
      `training ${plan.training}, fallback ${plan.fallbackTraining}; ${cpus().length} cpus${quick ? '; quick' : ''}`,
  );
  const cutAt = 'out_relu';
  const batch = 32;

  if (runs('forward')) {
    // Every engine at 96, 160 and 224 (cpu, ~20x slower than wasm, at 96 only); best of 3 passes
    // where a pass is cheap (the machine may be shared).
    const n = (full: number) => (quick ? 64 : full);
    const r = (full: number) => (quick ? 1 : full);
    await benchForward(backbone, {
      engines: [
        { engine: 'onnxruntime', backend: 'onnxruntime', images: n(512), repeats: r(3) },
        { engine: 'tfjs-wasm', backend: 'wasm', images: n(256), repeats: r(3) },
        { engine: 'tfjs', backend: 'wasm', images: n(128), repeats: r(2) },
        ...(plan.inference === 'tensorflow'
          ? [{ engine: 'tfjs', backend: 'tensorflow', images: n(512), repeats: r(3) } as const]
          : []),
        { engine: 'tfjs', backend: 'cpu', images: 64, repeats: 1, sizes: [96] },
      ],
      sizes: quick ? [96] : [96, 160, 224],
      batch,
      workers: cpus().length,
      ortThreads: 2,
      cutAt,
    });
  }

  if (runs('fe-vs-naive')) {
    await benchFeVsNaive(backbone, {
      images: quick ? 200 : 1000,
      epochs: quick ? 2 : 5,
      size: 96,
      batch,
      cutAt,
      target: 50,
    });
  }

  if (runs('finetune-epoch')) {
    await benchFinetuneEpoch(backbone, {
      size: 160,
      images: quick ? 128 : 512,
      batch,
      backends: values.backend ? [values.backend as BackendName] : ['wasm', 'cpu'],
      cpuOriginalKernels: !quick,
    });
  }

  if (runs('kernels')) await benchKernels({ quick });

  const seconds = secondsSince(started);
  log(`done in ${seconds.toFixed(1)} s`);
  emit('total', { only: only ?? 'all', quick, seconds: round(seconds, 1) });
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}
