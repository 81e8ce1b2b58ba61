import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backbones, datasets, runs } from '../db/schema.js';
import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { createTempDir } from '../testing/tempDir.js';

let dir: { path: string; remove(): Promise<void> };
let server: GraftServer;

beforeAll(async () => {
  dir = await createTempDir();
  server = await createServer({
    config: loadConfig({
      PORT: '0',
      GRAFT_DATA_DIR: dir.path,
      LOG_LEVEL: 'silent',
      GRAFT_QUEUE_POLL_SECONDS: '1',
    }),
  });
  await server.listen();
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

describe('embedded worker (a child process of the API)', () => {
  it('executes a queued run while the API keeps answering', async () => {
    const db = server.db;
    // Registered by the server at its first start.
    const [bb] = await db.select().from(backbones).where(eq(backbones.name, 'lenet5-mnist04'));
    const [ds] = await db
      .insert(datasets)
      .values({
        name: 'digits 7-8',
        classes: ['7', '8'],
        counts: { train: 0, validation: 0, test: 0 },
        contentHash: 'y'.repeat(64),
        source: { kind: 'builtin', name: 'mnist-digits', options: { digits: [7, 8], limit: 400 } },
      })
      .returning();
    const [run] = await db
      .insert(runs)
      .values({
        backboneId: bb!.id,
        datasetId: ds!.id,
        mode: 'feature-extraction',
        surgery: { request: { head: { classes: ['7', '8'] } } },
        train: { mode: 'feature-extraction', epochs: 3, engine: { workers: 1 } },
      })
      .returning();
    await server.queue.send(run!.id);

    // While the child trains, the API's event loop stays free: health answers promptly.
    const latencies: number[] = [];
    const deadline = Date.now() + 90_000;
    let status = 'queued';
    let sawProgress = false;
    while (Date.now() < deadline) {
      const t = performance.now();
      const res = await fetch(`${server.url}/healthz`);
      latencies.push(performance.now() - t);
      expect(res.status).toBe(200);
      const [row] = await db.select().from(runs).where(eq(runs.id, run!.id));
      status = row!.status;
      sawProgress ||= row!.progress != null;
      if (status === 'succeeded' || status === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const [done] = await db.select().from(runs).where(eq(runs.id, run!.id));
    expect(done!.error).toBeNull();
    expect(status).toBe('succeeded');
    expect(sawProgress).toBe(true);
    expect(done!.testAccuracy).toBeGreaterThan(0.9);
    expect(Math.max(...latencies)).toBeLessThan(500);
  });
});
