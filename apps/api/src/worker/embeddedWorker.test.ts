import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backbones, datasets, runs } from '../db/schema.js';
import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from '../testing/authHeader.js';
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
        train: {
          mode: 'feature-extraction',
          // Long enough (a few seconds) for queries to land while it trains, on a fast machine too.
          epochs: 150,
          earlyStopping: false,
          engine: { workers: 1 },
        },
      })
      .returning();
    await server.queue.send(run!.id);

    // While the child trains, the API's event loop stays free: GraphQL queries answer promptly.
    const latencies: number[] = [];
    const deadline = Date.now() + 90_000;
    let status = 'queued';
    let sawProgress = false;
    let answeredWhileTraining = 0;
    while (Date.now() < deadline) {
      const t = performance.now();
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: maintainerAuthorization(dir.path),
        },
        body: JSON.stringify({
          query: `query($id: ID!) { run(id: $id) { status progress { stage epoch } } }`,
          variables: { id: run!.id },
        }),
      });
      latencies.push(performance.now() - t);
      const body = (await res.json()) as {
        data: { run: { status: string; progress: { stage: string | null } | null } };
      };
      status = body.data.run.status;
      sawProgress ||= body.data.run.progress != null;
      if (status === 'running' && body.data.run.progress?.stage === 'train')
        answeredWhileTraining++;
      if (status === 'succeeded' || status === 'failed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const [done] = await db.select().from(runs).where(eq(runs.id, run!.id));
    expect(done!.error).toBeNull();
    expect(status).toBe('succeeded');
    expect(sawProgress).toBe(true);
    expect(answeredWhileTraining).toBeGreaterThan(3);
    expect(done!.testAccuracy).toBeGreaterThan(0.9);
    expect(Math.max(...latencies)).toBeLessThan(500);
  });
});
