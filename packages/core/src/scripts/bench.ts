/**
 * Performance bench of @graft/core.
 *
 *   npm run bench -w @graft/core                        # everything (~several minutes on 2 cores)
 *   npm run bench -w @graft/core -- --only forward      # frozen-forward throughput only
 *   npm run bench -w @graft/core -- --only fe-vs-naive  # planned vs naive feature extraction (+ cache hit)
 *   npm run bench -w @graft/core -- --quick             # smaller counts: a smoke test
 *
 * stdout: one JSON object per line per measurement, each with `bench`, `date`, `cpus`, `cpuModel`:
 *   forward               frozen-forward images/s of MobileNetV2 cut at out_relu, per backend, size, workers
 *   forward-pool-speedup  worker pool / one thread (wasm)
 *   fe-vs-naive           planned trainTransferModel vs tfjs fit on the whole model, same images
 *   cache-hit             the planned run again once the features are cached
 *   total                 the bench's own wall-clock time
 * Progress goes to stderr.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { planBackends, type BackendName } from '../backend.js';
import { loadBackbone } from '../backbones/catalog.js';
import { benchFeVsNaive } from './bench/feVsNaive.js';
import { benchForward } from './bench/forward.js';
import { emit, log, round, secondsSince } from './bench/report.js';

const ONLY = ['forward', 'fe-vs-naive'] as const;
type Only = (typeof ONLY)[number];

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stderr.write('usage: bench [--only forward|fe-vs-naive] [--quick]\n');
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
    const backends: BackendName[] =
      plan.inference === 'tensorflow' ? ['tensorflow', 'wasm', 'cpu'] : ['wasm', 'cpu'];
    await benchForward(backbone, {
      backends,
      sizes: quick ? [96] : [96, 160],
      // cpu is ~20x slower than wasm: fewer images there.
      images: quick
        ? { tensorflow: 64, wasm: 64, cpu: 64 }
        : { tensorflow: 512, wasm: 256, cpu: 64 },
      // Best of 3 where a pass is cheap: the machine may be shared.
      repeats: quick ? {} : { tensorflow: 3, wasm: 3, cpu: 1 },
      batch,
      workers: cpus().length,
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
      target: 8,
    });
  }

  const seconds = secondsSince(started);
  log(`done in ${seconds.toFixed(1)} s`);
  emit('total', { only: only ?? 'all', quick, seconds: round(seconds, 1) });
} catch (err) {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
}
