/**
 * Scale-out on one machine: the API and 3 `graft-api worker` processes on the real Postgres and
 * an S3 server. 12 runs drain faster than with 1 worker; each run executes exactly once; a
 * worker killed with SIGKILL in the middle of a run loses it to another worker (heartbeat
 * reaper + pg-boss retry), which finishes it; no duplicate model versions; every artifact the
 * database references is in the bucket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from '../testing/authHeader.js';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../testing/postgres.js';
import { createTempDir } from '../testing/tempDir.js';
import { BACKBONES, CREATE_DATASET, START_RUN, postGraphQL } from './flow.js';
import { messageOf, spawnWorker, stopWorker, type WorkerProcess } from './workerProcess.js';

const RUNS = 12;
// Long enough that a busy worker (its event loop held by a training step) is not taken for dead.
const STALL_SECONDS = 10;

describe('API + 3 worker processes on one Postgres', () => {
  let db: TempPostgresDatabase;
  let dir: { path: string; remove(): Promise<void> };
  let server: GraftServer;
  let env: Record<string, string>;
  const workers: WorkerProcess[] = [];
  let backboneId: string;
  let datasetId: string;

  const gql = async <T>(query: string, variables?: Record<string, unknown>) => {
    const r = await postGraphQL<T>(server.url, maintainerAuthorization(dir.path), query, variables);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  };
  const start = async (train: Record<string, unknown>) =>
    (
      await gql<{ startRun: { id: string } }>(START_RUN, {
        input: { backboneId, datasetId, surgery: {}, train: { engine: { workers: 0 }, ...train } },
      })
    ).startRun.id;
  type Row = { id: string; status: string; attempt: number };
  const statuses = async (ids: string[]) => {
    const rows = await server.database.pool.query<Row>(
      'select id, status, attempt from runs where id = any($1::uuid[])',
      [ids],
    );
    return rows.rows;
  };
  const waitAll = async (ids: string[], ms: number) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const rows = await statuses(ids);
      if (rows.every((r) => r.status === 'succeeded' || r.status === 'failed')) return rows;
      if (Date.now() > deadline)
        throw new Error(`runs not done after ${ms} ms: ${JSON.stringify(rows)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const startedLines = (w: WorkerProcess) =>
    w.lines.filter((l) => messageOf(l) === 'run started').map((l) => l['runId'] as string);
  /** Queues RUNS runs and times them until all succeeded. */
  const drain = async () => {
    const t0 = performance.now();
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push(await start({ mode: 'feature-extraction', epochs: 2 }));
    const rows = await waitAll(ids, 240_000);
    const seconds = (performance.now() - t0) / 1000;
    for (const r of rows) expect(r).toEqual({ id: r.id, status: 'succeeded', attempt: 1 });
    return { ids, seconds };
  };

  beforeAll(async () => {
    db = await createTempPostgresDatabase('graft_e2e_scaleout');
    dir = await createTempDir();
    server = await createServer({
      config: loadConfig({
        DATABASE_URL: db.url,
        GRAFT_DATA_DIR: dir.path,
        PORT: '0',
        LOG_LEVEL: 'silent',
        GRAFT_QUEUE_POLL_SECONDS: '0.5',
        GRAFT_JOB_RETRY_DELAY_SECONDS: '0',
      }),
      worker: false,
    });
    await server.listen();
    const { connection } = server.store;
    env = {
      DATABASE_URL: db.url,
      S3_ENDPOINT: connection.endpoint,
      S3_ACCESS_KEY: connection.accessKey,
      S3_SECRET_KEY: connection.secretKey,
      S3_BUCKET: connection.bucket,
      S3_REGION: connection.region,
      LOG_LEVEL: 'info',
      GRAFT_QUEUE_POLL_SECONDS: '0.5',
      GRAFT_JOB_RETRY_DELAY_SECONDS: '0',
      GRAFT_RUN_STALL_SECONDS: String(STALL_SECONDS),
    };
    const list = await gql<{ backbones: { id: string; name: string }[] }>(BACKBONES);
    backboneId = list.backbones.find((b) => b.name === 'lenet5-mnist04')!.id;
    datasetId = (
      await gql<{ createDataset: { id: string } }>(CREATE_DATASET, {
        input: { name: 'digits-5-6', builtin: { mnistDigits: [5, 6], limit: 300 } },
      })
    ).createDataset.id;
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    await server?.close();
    await db?.drop();
    await dir?.remove();
  });

  it('drains 12 runs sooner with 3 workers than with 1, each run executed exactly once', async () => {
    workers.push(spawnWorker(env));
    await workers[0]!.ready;
    const one = await drain();
    workers.push(spawnWorker(env), spawnWorker(env));
    await Promise.all(workers.map((w) => w.ready));
    const three = await drain();

    const started = workers.flatMap(startedLines);
    const all = [...one.ids, ...three.ids];
    expect([...started].sort()).toEqual([...all].sort()); // every run started once, none twice
    for (const w of workers)
      expect(startedLines(w).some((id) => three.ids.includes(id))).toBe(true);
    const ratio = one.seconds / three.seconds;
    console.log(
      JSON.stringify({
        bench: 'scale-out',
        runs: RUNS,
        oneWorkerSeconds: Math.round(one.seconds * 10) / 10,
        threeWorkersSeconds: Math.round(three.seconds * 10) / 10,
        ratio: Math.round(ratio * 100) / 100,
      }),
    );
    expect(three.seconds).toBeLessThan(one.seconds);
  }, 400_000);

  it('retries on another worker the run of a worker killed with SIGKILL mid-run', async () => {
    // A longer run (1,000 digits, 150 epochs) so that there is a middle to kill it in.
    datasetId = (
      await gql<{ createDataset: { id: string } }>(CREATE_DATASET, {
        input: { name: 'digits-5-6-all', builtin: { mnistDigits: [5, 6], limit: 1000 } },
      })
    ).createDataset.id;
    const id = await start({ mode: 'feature-extraction', epochs: 150, earlyStopping: false });
    // Wait until a worker has the run and is in its training epochs, then kill it.
    let victim: WorkerProcess | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      victim = workers.find((w) => startedLines(w).includes(id));
      const { rows } = await server.database.pool.query<{ status: string; stage: string | null }>(
        `select status, progress->>'stage' as stage from runs where id = $1`,
        [id],
      );
      if (victim && rows[0]?.status === 'running' && rows[0]?.stage === 'train') break;
      expect(rows[0]?.status).not.toBe('succeeded');
      if (Date.now() > deadline) throw new Error(`run ${id} never reached training`);
      await new Promise((r) => setTimeout(r, 50));
    }
    victim!.child.kill('SIGKILL');

    const [row] = await waitAll([id], 120_000);
    expect(row).toEqual({ id, status: 'succeeded', attempt: 2 });
    const rescuers = workers.filter((w) => w !== victim && startedLines(w).includes(id));
    expect(rescuers).toHaveLength(1);
    const reaped = workers.flatMap((w) => w.lines).find((l) => messageOf(l) === 'stalled run');
    expect(reaped).toMatchObject({ runId: id, outcome: 'retry' });
    // The killed attempt's log was written as it went: both attempts' lines are kept.
    const { rows: logRows } = await server.database.pool.query<{ log: string }>(
      'select log from runs where id = $1',
      [id],
    );
    expect(logRows[0]!.log.match(/ training lenet5-mnist04 on /g)).toHaveLength(2);

    // One version per run, however often a run was attempted.
    const { rows: runRows } = await server.database.pool.query<{ id: string }>(
      `select id from runs where status = 'succeeded'`,
    );
    for (const r of runRows)
      await gql(
        `mutation($id: ID!) { createModelVersion(runId: $id, modelName: "scale") { id } }`,
        {
          id: r.id,
        },
      );
    const again = await postGraphQL(
      server.url,
      maintainerAuthorization(dir.path),
      `mutation($id: ID!) { createModelVersion(runId: $id, modelName: "scale") { id } }`,
      { id },
    );
    expect(again.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    const dup = await server.database.pool.query(
      'select run_id, count(*)::int as n from model_versions group by run_id having count(*) > 1',
    );
    expect(dup.rows).toEqual([]);

    // Every artifact the database references is a whole object in the bucket.
    const { rows: keys } = await server.database.pool.query<{ key: string; bytes: string }>(
      'select key, bytes from artifacts',
    );
    expect(keys.length).toBeGreaterThanOrEqual(3 * (2 * RUNS + 1));
    // model.json + weights.bin + model.onnx per run, no strays
    expect(keys.length).toBe(3 * runRows.length);
    for (const k of keys) {
      const info = await server.store.statObject(k.key);
      expect(info?.bytes, k.key).toBe(Number(k.bytes));
    }
  }, 240_000);
});
