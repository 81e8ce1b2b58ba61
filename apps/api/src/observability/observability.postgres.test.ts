import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backbones } from '../db/schema.js';
import { loadConfig } from '../env.js';
import { createLogger } from '../logger.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from '../testing/authHeader.js';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../testing/postgres.js';
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
  stopWorker = await startRunWorker({
    db: server.db,
    connectionString: server.database.connectionString,
    store: server.store,
    queue: server.queue,
    logger: logger.child({ process: 'worker' }),
  });
});

afterAll(async () => {
  await stopWorker?.();
  await server?.close();
  await pgDb?.drop();
  await dir?.remove();
});

describe('observability', () => {
  it('follows a run from startRun to the worker under one request id, and exports metrics', async () => {
    const [bb] = await server.db
      .select()
      .from(backbones)
      .where(eq(backbones.name, 'lenet5-mnist04'));
    const ds = await gql<{ createDataset: { id: string } }>(
      `mutation { createDataset(input: { name: "d56", builtin: { mnistDigits: [5, 6], limit: 200 } }) { id } }`,
    );
    const started = await gql<{ startRun: { id: string } }>(
      `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
      {
        input: {
          backboneId: bb!.id,
          datasetId: ds.body.data!.createDataset.id,
          surgery: {},
          train: { mode: 'feature-extraction', epochs: 1, engine: { workers: 0 } },
        },
      },
      'req-observe-1',
    );
    expect(started.res.headers.get('x-request-id')).toBe('req-observe-1');
    const runId = started.body.data!.startRun.id;
    // A made-up id is replaced by a fresh one: the header always carries an id.
    const other = await gql('{ health }', {}, 'not an id!');
    expect(other.res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    for (let i = 0; i < 240; i++) {
      const r = await gql<{ run: { status: string } }>(
        `query($id: ID!) { run(id: $id) { status } }`,
        {
          id: runId,
        },
      );
      if (r.body.data!.run.status === 'succeeded') break;
      expect(['queued', 'running']).toContain(r.body.data!.run.status);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
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
    expect(metrics).toMatch(/^graft_runs\{status="succeeded"\} 1$/m);
    expect(metrics).toMatch(/^graft_queue_depth 0$/m);
    expect(metrics).toMatch(/^graft_training_images_per_second 0$/m);
    const bytes = Number(/^graft_artifact_bytes (\d+)$/m.exec(metrics)?.[1]);
    expect(bytes).toBeGreaterThan(1000);
    expect(metrics).toMatch(/^graft_process_cpu_seconds_total /m);
  });
});
