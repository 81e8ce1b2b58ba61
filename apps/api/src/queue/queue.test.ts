import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/index.js';
import type { DatabaseConfig, QueueConfig } from '../env.js';
import { createTempPostgresDatabase } from '../testing/postgres.js';
import { createTempDir } from '../testing/tempDir.js';
import { createQueue, TRAIN_RUN_QUEUE, type TrainQueue, type TrainRunJob } from './index.js';

const queueConfig: QueueConfig = {
  retryLimit: 1,
  retryDelaySeconds: 0,
  expireInSeconds: 3600,
  pollingIntervalSeconds: 0.5,
  stallSeconds: 120,
};

function queueSuite(open: () => Promise<{ config: DatabaseConfig; cleanup(): Promise<void> }>) {
  let database: Database;
  let queue: TrainQueue;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    database = await createDatabase(opened.config, { migrate: false });
    queue = await createQueue({ ...queueConfig, connectionString: database.connectionString });
  });
  afterAll(async () => {
    await queue?.stop({ timeoutMs: 1000 });
    await database?.close();
    await cleanup?.();
  });

  it('creates the train-run queue with the configured retry and expiry', async () => {
    const settings = await queue.boss.getQueue(TRAIN_RUN_QUEUE);
    expect(settings).toMatchObject({ retryLimit: 1, retryDelay: 0, expireInSeconds: 3600 });
    await expect(queue.ping()).resolves.toBeUndefined();
  });

  it('delivers a sent run to a worker, retries a failed attempt, and dedupes by run id', async () => {
    const runId = randomUUID();
    const attempts: TrainRunJob[] = [];
    const done = new Promise<void>((resolve) => {
      void queue.work(async (job) => {
        attempts.push(job);
        if (job.retryCount === 0) throw new Error('worker crashed');
        resolve();
      });
    });
    expect(await queue.send(runId)).toBe(runId);
    expect(await queue.send(runId)).toBeNull();
    await done;
    expect(attempts.map((a) => [a.runId, a.retryCount])).toEqual([
      [runId, 0],
      [runId, 1],
    ]);
    // The job is completed once the handler resolved.
    await expect
      .poll(async () => (await queue.boss.getJobById(TRAIN_RUN_QUEUE, runId))?.state, {
        timeout: 5000,
      })
      .toBe('completed');
  });
}

describe('queue on PGlite (pg-boss over pglite-socket)', () => {
  queueSuite(async () => {
    const dir = await createTempDir();
    return {
      config: { kind: 'pglite', dataDir: `${dir.path}/db`, socketPort: 0, poolMax: 2 },
      cleanup: dir.remove,
    };
  });
});

describe('queue on Postgres', () => {
  queueSuite(async () => {
    const temp = await createTempPostgresDatabase();
    return { config: { kind: 'postgres', url: temp.url, poolMax: 2 }, cleanup: temp.drop };
  });
});
