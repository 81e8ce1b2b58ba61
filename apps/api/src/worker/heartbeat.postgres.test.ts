/**
 * The heartbeat thread against a real Postgres (a server apart from this process, unlike PGlite,
 * so a blocked main thread here cannot hold the writes back).
 */
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../testing/postgres.js';
import { startHeartbeat } from './heartbeat.js';

let db: TempPostgresDatabase;
let pool: pg.Pool;
const runId = randomUUID();

beforeAll(async () => {
  db = await createTempPostgresDatabase('graft_heartbeat');
  pool = new pg.Pool({ connectionString: db.url });
  // The one table and columns the thread writes (the real schema has them among others).
  await pool.query('create table runs (id uuid primary key, heartbeat_at timestamptz)');
  await pool.query('insert into runs (id) values ($1)', [runId]);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const heartbeatAt = async (): Promise<number | null> => {
  const { rows } = await pool.query<{ at: Date | null }>(
    'select heartbeat_at as at from runs where id = $1',
    [runId],
  );
  return rows[0]!.at?.getTime() ?? null;
};

describe('worker heartbeat', () => {
  it('beats for its run while the main thread is blocked, and stops between runs', async () => {
    const warnings: string[] = [];
    const heartbeat = startHeartbeat({
      connectionString: db.url,
      intervalMs: 200,
      logger: createLogger('warn', {}, (line) => warnings.push(line)),
    });
    try {
      heartbeat.set(runId);
      await new Promise((r) => setTimeout(r, 500)); // the thread starts and connects
      expect(await heartbeatAt()).not.toBeNull();
      // A synchronous stretch like a long training step: no timer or I/O of this thread runs.
      const blockedFrom = Date.now();
      while (Date.now() < blockedFrom + 1_500);
      const blockedUntil = Date.now();
      const beat = (await heartbeatAt())!;
      // The last beat was written while this thread was still blocked.
      expect(beat).toBeGreaterThan(blockedFrom + 1_000);
      expect(beat).toBeLessThanOrEqual(blockedUntil + 50);

      heartbeat.set(null);
      await new Promise((r) => setTimeout(r, 400));
      const last = await heartbeatAt();
      await new Promise((r) => setTimeout(r, 600));
      expect(await heartbeatAt()).toBe(last); // no beats without a run
    } finally {
      await heartbeat.stop();
    }
    expect(warnings).toEqual([]);
  });
});
