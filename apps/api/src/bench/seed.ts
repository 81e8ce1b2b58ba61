import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** What {@link seed} inserted. */
export interface Seeded {
  backboneId: string;
  datasetId: string;
  runIds: string[];
  epochsPerRun: number;
  seconds: number;
  /** True when the time budget stopped seeding before `runs` rows. */
  truncated: boolean;
}

const STATUSES = [
  'succeeded',
  'succeeded',
  'succeeded',
  'failed',
  'running',
  'queued',
  'cancelled',
];
const LAYER_COUNT = 24;

/** Deterministic pseudo-random numbers (mulberry32), so every bench seeds the same data. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A small resolved layer table: backbone layers frozen up to `trainableFrom`, then a head. */
function layers(trainableFrom: number) {
  return Array.from({ length: LAYER_COUNT }, (_, i) => ({
    name: i < LAYER_COUNT - 2 ? `block_${i}_conv` : `head_${i}`,
    className: i < LAYER_COUNT - 2 ? 'Conv2D' : 'Dense',
    outputShape: [12, 12, 32],
    params: 1000 + i,
    trainable: i >= trainableFrom,
    origin: i < LAYER_COUNT - 2 ? 'backbone' : 'head',
  }));
}

/**
 * Seeds one backbone, one dataset and up to `runs` runs with `epochsPerRun` epochs each, in
 * chunks of `chunk` runs: one multi-row INSERT … SELECT FROM unnest(...) for the runs of a
 * chunk, one for their epochs. Stops after the chunk that crosses `budgetSeconds`.
 */
export async function seed(
  pool: pg.Pool,
  opts: { runs: number; epochsPerRun: number; chunk: number; budgetSeconds: number },
  progress: (message: string) => void,
): Promise<Seeded> {
  const started = performance.now();
  const random = rng(42);
  const backboneId = randomUUID();
  const datasetId = randomUUID();
  await pool.query(
    `insert into backbones (id, name, family, source_uri, topology_sha256, weights_sha256,
       input_shape, preprocessing, layers, last_feature_layer)
     values ($1, 'bench-backbone', 'mobilenet_v2', 'bench://backbone', 'aa', 'bb',
       '[96,96,3]', '{"scale":"minus-one-one"}', $2, 'block_21_conv')`,
    [backboneId, JSON.stringify(layers(LAYER_COUNT))],
  );
  await pool.query(
    `insert into datasets (id, name, classes, counts, content_hash, source)
     values ($1, 'bench-dataset', '["a","b","c"]', '{"train":700,"validation":150,"test":150}',
       'cc', '{"kind":"builtin","name":"bench"}')`,
    [datasetId],
  );
  const runIds: string[] = [];
  let truncated = false;
  const t0 = Date.now() - 10 * 24 * 3600 * 1000;
  for (let offset = 0; offset < opts.runs; offset += opts.chunk) {
    const n = Math.min(opts.chunk, opts.runs - offset);
    const ids: string[] = [];
    const surgery: string[] = [];
    const train: string[] = [];
    const status: string[] = [];
    const mode: string[] = [];
    const headLr: number[] = [];
    const fineTuneLr: (number | null)[] = [];
    const bestVal: (number | null)[] = [];
    const test: (number | null)[] = [];
    const created: string[] = [];
    // epochs
    const eRun: string[] = [];
    const ePhase: string[] = [];
    const ePhaseIndex: number[] = [];
    const eEpoch: number[] = [];
    const eLoss: number[] = [];
    const eAcc: number[] = [];
    const eValLoss: number[] = [];
    const eValAcc: number[] = [];
    const eSeconds: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      const fine = random() < 0.4;
      const st = STATUSES[Math.floor(random() * STATUSES.length)]!;
      const finished = st === 'succeeded';
      const trainableFrom = fine ? 8 + Math.floor(random() * 12) : LAYER_COUNT - 2;
      ids.push(id);
      surgery.push(
        JSON.stringify({
          request: {
            cutAt: 'block_21_conv',
            freeze: fine ? { kind: 'from', layer: `block_${trainableFrom}_conv` } : { kind: 'all' },
            head: { hidden: [64], dropout: Math.round(random() * 5) / 10, classes: 3 },
          },
          layers: layers(trainableFrom),
        }),
      );
      train.push(
        JSON.stringify({
          epochs: fine ? 25 : opts.epochsPerRun,
          optimizer: 'adam',
          batchSize: 32,
          seed: i,
          ...(fine ? { fineTune: { epochs: 25 } } : {}),
        }),
      );
      status.push(st);
      mode.push(fine ? 'fine-tuning' : 'feature-extraction');
      headLr.push([1e-3, 3e-4, 1e-4, 3e-3][Math.floor(random() * 4)]!);
      fineTuneLr.push(fine ? [1e-5, 3e-5, 1e-4][Math.floor(random() * 3)]! : null);
      const best = 0.5 + random() * 0.5;
      bestVal.push(finished ? best : null);
      test.push(finished ? best - random() * 0.05 : null);
      created.push(new Date(t0 + (offset + i) * 60_000).toISOString());
      for (let e = 0; e < opts.epochsPerRun; e++) {
        const second = fine && e >= opts.epochsPerRun / 2;
        eRun.push(id);
        ePhase.push(second ? 'fine-tune' : 'head');
        ePhaseIndex.push(second ? 1 : 0);
        eEpoch.push(second ? e - Math.floor(opts.epochsPerRun / 2) : e);
        const p = (e + 1) / opts.epochsPerRun;
        eLoss.push(2 * (1 - p) + random() * 0.1);
        eAcc.push(0.4 + 0.55 * p);
        eValLoss.push(2.1 * (1 - p) + random() * 0.1);
        eValAcc.push(0.38 + 0.55 * p);
        eSeconds.push(1 + random());
      }
    }
    await pool.query(
      `insert into runs (id, backbone_id, dataset_id, surgery, train, status, mode, head_lr,
         fine_tune_lr, best_val_accuracy, test_accuracy, created_at)
       select id, $2, $3, s::jsonb, t::jsonb, st::run_status, m::training_mode, hl, fl, bv, ta, ca
       from unnest($1::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::numeric[],
         $9::numeric[], $10::float8[], $11::float8[], $12::timestamptz[])
         as u(id, s, t, st, m, hl, fl, bv, ta, ca)`,
      [
        ids,
        backboneId,
        datasetId,
        surgery,
        train,
        status,
        mode,
        headLr,
        fineTuneLr,
        bestVal,
        test,
        created,
      ],
    );
    await pool.query(
      `insert into run_epochs (run_id, phase, phase_index, epoch, loss, accuracy, val_loss,
         val_accuracy, seconds)
       select * from unnest($1::uuid[], $2::text[], $3::smallint[], $4::int[], $5::float8[],
         $6::float8[], $7::float8[], $8::float8[], $9::float8[])`,
      [eRun, ePhase, ePhaseIndex, eEpoch, eLoss, eAcc, eValLoss, eValAcc, eSeconds],
    );
    runIds.push(...ids);
    const elapsed = (performance.now() - started) / 1000;
    progress(
      `seeded ${runIds.length} runs (${(runIds.length * opts.epochsPerRun).toLocaleString('en')} epochs) in ${elapsed.toFixed(1)} s`,
    );
    if (elapsed > opts.budgetSeconds && runIds.length < opts.runs) {
      truncated = true;
      break;
    }
  }
  await pool.query('analyze runs');
  await pool.query('analyze run_epochs');
  return {
    backboneId,
    datasetId,
    runIds,
    epochsPerRun: opts.epochsPerRun,
    seconds: (performance.now() - started) / 1000,
    truncated,
  };
}
