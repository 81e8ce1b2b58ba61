import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from '../testing/authHeader.js';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../testing/postgres.js';
import { createTempDir } from '../testing/tempDir.js';
import { BACKBONES, CREATE_DATASET, START_RUN, postGraphQL } from './flow.js';
import { messageOf, spawnWorker, stopWorker, type WorkerProcess } from './workerProcess.js';

const RUNS = 10;

describe('two graft-api worker processes on one Postgres', () => {
  let db: TempPostgresDatabase;
  let dir: { path: string; remove(): Promise<void> };
  let server: GraftServer;
  let authorization: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    db = await createTempPostgresDatabase('graft_e2e_workers');
    dir = await createTempDir();
    server = await createServer({
      config: loadConfig({
        DATABASE_URL: db.url,
        GRAFT_DATA_DIR: dir.path,
        PORT: '0',
        LOG_LEVEL: 'silent',
        GRAFT_QUEUE_POLL_SECONDS: '1',
      }),
      worker: false,
    });
    await server.listen();
    authorization = maintainerAuthorization(dir.path);
    const { connection } = server.store;
    const env = {
      DATABASE_URL: db.url,
      S3_ENDPOINT: connection.endpoint,
      S3_ACCESS_KEY: connection.accessKey,
      S3_SECRET_KEY: connection.secretKey,
      S3_BUCKET: connection.bucket,
      S3_REGION: connection.region,
      LOG_LEVEL: 'info',
      GRAFT_QUEUE_POLL_SECONDS: '1',
    };
    workers.push(spawnWorker(env), spawnWorker(env));
    await Promise.all(workers.map((w) => w.ready));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopWorker(w)));
    await server?.close();
    await db?.drop();
    await dir?.remove();
  });

  it('drains 10 queued runs, each executed exactly once, by both workers', async () => {
    const gql = <T>(query: string, variables?: Record<string, unknown>) =>
      postGraphQL<T>(server.url, authorization, query, variables);
    const list = await gql<{ backbones: { id: string; name: string }[] }>(BACKBONES);
    const backboneId = list.data!.backbones.find((b) => b.name === 'lenet5-mnist04')!.id;
    const ds = await gql<{ createDataset: { id: string } }>(CREATE_DATASET, {
      input: { name: 'digits-5-6', builtin: { mnistDigits: [5, 6], limit: 200 } },
    });
    expect(ds.errors).toBeUndefined();
    const datasetId = ds.data!.createDataset.id;

    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = await gql<{ startRun: { id: string } }>(START_RUN, {
        input: {
          backboneId,
          datasetId,
          surgery: {},
          train: { mode: 'feature-extraction', epochs: 1, engine: { workers: 0 } },
        },
      });
      expect(started.errors).toBeUndefined();
      ids.push(started.data!.startRun.id);
    }

    type Row = { id: string; status: string; attempt: number };
    let rows: Row[] = [];
    const deadline = Date.now() + 80_000;
    for (;;) {
      const page = await gql<{ runs: { items: Row[] } }>(
        `{ runs(first: 50) { items { id status attempt } } }`,
      );
      rows = page.data!.runs.items;
      const done = rows.filter((r) => ['succeeded', 'failed', 'canceled'].includes(r.status));
      if (done.length === RUNS || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    for (const r of rows) expect(r).toEqual({ id: r.id, status: 'succeeded', attempt: 1 });

    const startedBy = workers.map((w) =>
      w.lines.filter((l) => messageOf(l) === 'run started').map((l) => l['runId'] as string),
    );
    const all = startedBy.flat();
    expect(all.sort()).toEqual([...ids].sort()); // each run started once, no run twice
    expect(new Set(all).size).toBe(RUNS);
    for (const mine of startedBy) expect(mine.length).toBeGreaterThan(0);
  }, 90_000);
});
