import { eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backbones } from '../db/schema.js';
import { loadConfig } from '../env.js';
import { createLogger } from '../logger.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from '../testing/authHeader.js';
import {
  createTempPostgresDatabase,
  TEST_POSTGRES_ADMIN_URL,
  type TempPostgresDatabase,
} from '../testing/postgres.js';
import { createTempDir } from '../testing/tempDir.js';
import { startRunWorker } from '../worker/runWorker.js';

// Every JSON log line of the API and of an in-process worker, as parsed objects.
const lines: Record<string, unknown>[] = [];
const logger = createLogger('debug', {}, (line) => lines.push(JSON.parse(line)));

let dir: { path: string; remove(): Promise<void> };
let pgDb: TempPostgresDatabase;
let server: GraftServer;
let stopWorker: (() => Promise<void>) | undefined;

async function gql<T>(query: string, variables: Record<string, unknown> = {}, requestId?: string) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: maintainerAuthorization(dir.path),
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { res, body: (await res.json()) as { data?: T; errors?: unknown[] } };
}

beforeAll(async () => {
  dir = await createTempDir();
  pgDb = await createTempPostgresDatabase();
  server = await createServer({
    config: loadConfig({
      PORT: '0',
      GRAFT_DATA_DIR: dir.path,
      DATABASE_URL: pgDb.url,
      LOG_LEVEL: 'debug',
      GRAFT_QUEUE_POLL_SECONDS: '1',
    }),
    logger,
    worker: false,
  });
  await server.listen();
  // The worker starts in the test, once runs wait in the queue.
});

afterAll(async () => {
  await stopWorker?.();
  await server?.close();
  await pgDb?.drop();
  await dir?.remove();
});

/** The value of one sample of the Prometheus text, e.g. `graft_runs{status="running"}`. */
function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  expect(line, `${name} in /metrics`).toBeDefined();
  return Number(line!.slice(name.length + 1));
}

interface Gauges {
  queueDepth: number;
  queued: number;
  running: number;
  succeeded: number;
  imagesPerSec: number;
}

async function scrape(): Promise<Gauges> {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  return {
    queueDepth: sample(metrics, 'graft_queue_depth'),
    queued: sample(metrics, 'graft_runs{status="queued"}'),
    running: sample(metrics, 'graft_runs{status="running"}'),
    succeeded: sample(metrics, 'graft_runs{status="succeeded"}'),
    imagesPerSec: sample(metrics, 'graft_training_images_per_second'),
  };
}

describe('observability', () => {
  const runIds: string[] = [];

  it('counts the runs waiting for a worker as queue depth', async () => {
    const [bb] = await server.db
      .select()
      .from(backbones)
      .where(eq(backbones.name, 'lenet5-mnist04'));
    const ds = await gql<{ createDataset: { id: string } }>(
      `mutation { createDataset(input: { name: "d56", builtin: { mnistDigits: [5, 6], limit: 200 } }) { id } }`,
    );
    for (const requestId of ['req-observe-1', 'req-observe-2']) {
      const started = await gql<{ startRun: { id: string } }>(
        `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
        {
          input: {
            backboneId: bb!.id,
            datasetId: ds.body.data!.createDataset.id,
            surgery: {},
            train: {
              mode: 'feature-extraction',
              epochs: 3,
              earlyStopping: false,
              engine: { workers: 0 },
            },
          },
        },
        requestId,
      );
      expect(started.res.headers.get('x-request-id')).toBe(requestId);
      runIds.push(started.body.data!.startRun.id);
    }
    // No worker yet: both jobs wait in pg-boss, both runs are queued, nothing trains.
    expect(await scrape()).toEqual({
      queueDepth: 2,
      queued: 2,
      running: 0,
      succeeded: 0,
      imagesPerSec: 0,
    });
  });

  it('follows a run from startRun to the worker under one request id, and exports metrics', async () => {
    // A made-up id is replaced by a fresh one: the header always carries an id.
    const other = await gql('{ health }', {}, 'not an id!');
    expect(other.res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    stopWorker = await startRunWorker({
      db: server.db,
      connectionString: server.database.connectionString,
      store: server.store,
      queue: server.queue,
      logger: logger.child({ process: 'worker' }),
    });
    // Scrape while the worker takes the runs one after the other, until both succeeded.
    const samples: Gauges[] = [];
    for (let i = 0; i < 1200; i++) {
      const gauges = await scrape();
      samples.push(gauges);
      if (gauges.succeeded === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(samples.at(-1)!.succeeded).toBe(2);
    // Training speed is reported while a run trains, and only then.
    expect(
      samples.some((g) => g.running === 1 && g.imagesPerSec > 0),
      JSON.stringify(samples),
    ).toBe(true);
    for (const g of samples) if (g.imagesPerSec > 0) expect(g.running).toBeGreaterThan(0);
    // Jobs only leave the queue (no retries here): 2, then 1 while the first run trains, then 0.
    const depths = samples.map((g) => g.queueDepth);
    expect(depths).toEqual([...depths].sort((a, b) => b - a));
    expect(samples.some((g) => g.queueDepth === 1 && g.running === 1)).toBe(true);
    expect(samples.at(-1)).toMatchObject({ queueDepth: 0, queued: 0, running: 0, imagesPerSec: 0 });

    const runId = runIds[0]!;
    const ofRequest = lines.filter((l) => l['requestId'] === 'req-observe-1');
    const messages = ofRequest.map((l) => `${l['process'] ?? 'api'}: ${l['msg']}`);
    expect(messages).toEqual(
      expect.arrayContaining(['api: run queued', 'worker: run started', 'worker: run ended']),
    );
    expect(ofRequest.find((l) => l['msg'] === 'run ended')).toMatchObject({
      runId,
      outcome: 'succeeded',
    });

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /graft_http_request_duration_seconds_bucket\{le="[^"]+",route="\/graphql",method="POST",status="200"\} [1-9]/,
    );
    expect(metrics).toMatch(/^graft_runs\{status="succeeded"\} 2$/m);
    const bytes = Number(/^graft_artifact_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(bytes).toBeGreaterThan(1000);
    expect(metrics).toMatch(/^graft_process_cpu_seconds_total /m);
  });

  it('answers /readyz 503 naming the database while it refuses connections, then recovers', async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    // Postgres itself turns the API away: no new connections, the open ones ended.
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${pgDb.name}" ALLOW_CONNECTIONS false`);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [pgDb.name],
      );
      const down = await fetch(`${server.url}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({
        status: 'unavailable',
        checks: { database: 'failed', storage: 'ok', queue: 'failed' },
      });
    } finally {
      await admin.query(`ALTER DATABASE "${pgDb.name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await fetch(`${server.url}/readyz`)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });
});
