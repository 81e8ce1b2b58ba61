import { eq } from 'drizzle-orm';
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { backbones, datasets } from '../db/schema.js';
import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from '../testing/authHeader.js';
import { createTempDir } from '../testing/tempDir.js';

let dir: { path: string; remove(): Promise<void> };
let server: GraftServer;
let backboneId: string;
let datasetId: string;

async function gql<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: maintainerAuthorization(dir.path),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as never;
}

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
  // Registered by the server at its first start.
  const [bb] = await server.db.select().from(backbones).where(eq(backbones.name, 'lenet5-mnist04'));
  backboneId = bb!.id;
  const [ds] = await server.db
    .insert(datasets)
    .values({
      name: 'digits 5-6',
      classes: ['5', '6'],
      counts: { train: 0, validation: 0, test: 0 },
      contentHash: 'z'.repeat(64),
      source: { kind: 'builtin', name: 'mnist-digits', options: { digits: [5, 6], limit: 300 } },
    })
    .returning();
  datasetId = ds!.id;
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

const START = `mutation($input: StartRunInput!) { startRun(input: $input) { id status mode headLr fineTuneLr } }`;

describe('runs over GraphQL', () => {
  it('refuses bad specs with field-level errors before queueing anything', async () => {
    const cases: [Record<string, unknown>, Record<string, unknown>, string, RegExp][] = [
      [
        { freeze: { kind: 'allButLastBlocks', blocks: 1 } },
        { mode: 'fine-tuning', fineTune: { learningRate: 0.1 } },
        'train.fineTune.learningRate',
        /destroy the features/,
      ],
      [
        { cutAt: 'block_99' },
        { mode: 'feature-extraction' },
        'surgery.cutAt',
        /unknown layer 'block_99'; layers of lenet5-mnist04 are: .*conv1/,
      ],
      [
        { inputShape: [4, 4, 1] },
        { mode: 'feature-extraction' },
        'surgery.inputShape',
        /below the minimum/,
      ],
      [
        { head: { classes: ['a', 'b', 'c'] } },
        { mode: 'feature-extraction' },
        'surgery.head.classes',
        /dataset's classes/,
      ],
    ];
    for (const [surgery, train, path, message] of cases) {
      const r = await gql(START, { input: { backboneId, datasetId, surgery, train } });
      expect(r.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
      expect(r.errors?.[0]?.extensions?.['fieldErrors']).toEqual([
        { path, message: expect.stringMatching(message) },
      ]);
    }
    const unknown = await gql(START, {
      input: {
        backboneId: '00000000-0000-0000-0000-000000000000',
        datasetId,
        surgery: {},
        train: { mode: 'feature-extraction' },
      },
    });
    expect(unknown.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const page = await gql<{ runs: { items: unknown[] } }>('{ runs { items { id } } }');
    expect(page.data?.runs.items).toEqual([]);
  });

  it('starts a run, streams its progress over graphql-ws, and shows its metrics', async () => {
    const started = await gql<{ startRun: { id: string; status: string; headLr: number } }>(START, {
      input: {
        backboneId,
        datasetId,
        surgery: {},
        train: { mode: 'feature-extraction', epochs: 3, engine: { workers: 1 } },
        tags: ['ci'],
      },
    });
    expect(started.errors).toBeUndefined();
    const id = started.data!.startRun.id;
    expect(started.data!.startRun.status).toBe('queued');
    expect(started.data!.startRun.headLr).toBe(0.001);

    const client = createClient({
      url: server.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      connectionParams: { authorization: maintainerAuthorization(dir.path) },
    });
    const events: { status: string; stage?: string; epoch?: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ runProgress: { status: string; stage?: string; epoch?: number } }>(
        {
          query: `subscription($id: ID!) { runProgress(runId: $id) { status stage phase epoch epochs imagesPerSec etaSeconds } }`,
          variables: { id },
        },
        {
          next: (m) => {
            if (m.errors) reject(new Error(JSON.stringify(m.errors)));
            if (m.data) events.push(m.data.runProgress);
          },
          error: reject,
          complete: resolve,
        },
      );
    });
    await client.dispose();
    expect(events.at(-1)?.status).toBe('succeeded');
    expect(events.some((e) => e.stage === 'train')).toBe(true);

    const run = await gql<{
      run: {
        status: string;
        testAccuracy: number;
        epochs: { phase: string; epoch: number }[];
        tags: string[];
      };
    }>(
      `query($id: ID!) { run(id: $id) { status testAccuracy tags epochs { phase epoch valAccuracy } } }`,
      { id },
    );
    expect(run.data!.run.status).toBe('succeeded');
    expect(run.data!.run.testAccuracy).toBeGreaterThan(0.9);
    expect(run.data!.run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    // The model downloads through an expiring link and loads with stock tf.loadLayersModel.
    const links = await gql<{
      run: { modelPath: string; artifacts: { name: string; url: string; sha256: string }[] };
    }>(`query($id: ID!) { run(id: $id) { modelPath artifacts { name url sha256 } } }`, { id });
    expect(links.errors).toBeUndefined();
    const model = await tf.loadLayersModel(server.url + links.data!.run.modelPath);
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    model.dispose();
    expect(links.data!.run.artifacts.map((a) => a.name)).toEqual([
      'model.json',
      'model.onnx',
      'weights.bin',
    ]);
    const weights = links.data!.run.artifacts.find((a) => a.name === 'weights.bin')!;
    const bytes = Buffer.from(await (await fetch(weights.url)).arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(weights.sha256);
    const forged = links.data!.run.modelPath.replace(/\/artifacts\/([^/]+)\//, '/artifacts/x$1/');
    expect((await fetch(server.url + forged)).status).toBe(410);

    const best = await gql<{ runs: { items: { id: string }[]; hasNextPage: boolean } }>(
      `{ runs(orderBy: testAccuracy, first: 1, filter: { tag: "ci", status: succeeded }) { items { id } hasNextPage } }`,
    );
    expect(best.data!.runs.items.map((r) => r.id)).toEqual([id]);

    // What a runs table shows: backbone and dataset names and who started the run.
    const listed = await gql<{
      runs: {
        items: { backbone: { name: string }; dataset: { name: string }; startedBy: string }[];
      };
      me: { name: string; role: string };
    }>(
      `{ me { name role } runs(first: 5) { items { backbone { name } dataset { name } startedBy } } }`,
    );
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.me).toEqual({ name: 'maintainer', role: 'maintainer' });
    expect(listed.data!.runs.items[0]).toEqual({
      backbone: { name: 'lenet5-mnist04' },
      dataset: { name: 'digits 5-6' },
      startedBy: 'maintainer',
    });
  });

  it('answers me with UNAUTHENTICATED without a key', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { name role } }' }),
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('lets a maintainer create and revoke keys, and nobody else', async () => {
    const created = await gql<{ createApiKey: { id: string; key: string; role: string } }>(
      `mutation { createApiKey(name: "alice", role: viewer) { id key role } }`,
    );
    expect(created.errors).toBeUndefined();
    const { id, key } = created.data!.createApiKey;
    const asAlice = (query: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query }),
      }).then(
        (r) =>
          r.json() as Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }>,
      );
    expect((await asAlice('{ me { name role } }')).data).toEqual({
      me: { name: 'alice', role: 'viewer' },
    });
    const refused = await asAlice(
      'mutation { createApiKey(name: "eve", role: maintainer) { key } }',
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // A role that is not one: refused by GraphQL, naming the valid ones (variable: BAD_USER_INPUT).
    const bad = await gql(
      `mutation($role: Role!) { createApiKey(name: "bob", role: $role) { key } }`,
      {
        role: 'admin',
      },
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/"admin".*Role/);
    const literal = await gql(`mutation { createApiKey(name: "bob", role: admin) { key } }`);
    expect(literal.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(literal.errors?.[0]?.message).toMatch(/"admin" does not exist in "Role"/);
    const blank = await gql(`mutation { createApiKey(name: "  ", role: viewer) { key } }`);
    expect(blank.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await gql(`mutation($id: ID!) { revokeApiKey(id: $id) }`, { id })).data).toEqual({
      revokeApiKey: true,
    });
    expect((await asAlice('{ me { name } }')).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('cancels a queued run (its job too) and stops a running one, which records nothing', async () => {
    const long = { mode: 'feature-extraction', epochs: 400, earlyStopping: false };
    const start = async (train: Record<string, unknown>) => {
      const r = await gql<{ startRun: { id: string } }>(START, {
        input: { backboneId, datasetId, surgery: {}, train: { engine: { workers: 0 }, ...train } },
      });
      expect(r.errors).toBeUndefined();
      return r.data!.startRun.id;
    };
    const row = async (id: string) =>
      (
        await server.database.pool.query<{ status: string; stage: string | null; log: string }>(
          `select status, progress->>'stage' as stage, log from runs where id = $1`,
          [id],
        )
      ).rows[0]!;
    const until = async (what: string, ok: () => Promise<boolean>, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const running = await start(long);
    await until('the first run to train', async () => (await row(running)).stage === 'train');
    // The one worker is busy: the second run waits in the queue.
    const queued = await start(long);
    const CANCEL = `mutation($id: ID!) { cancelRun(id: $id) { id status } }`;
    expect((await gql(CANCEL, { id: queued })).data).toEqual({
      cancelRun: { id: queued, status: 'cancelled' },
    });
    const job = await server.queue.boss.getJobById('train-run', queued);
    expect(job?.state).toBe('cancelled');

    expect((await gql(CANCEL, { id: running })).data).toEqual({
      cancelRun: { id: running, status: 'cancelled' },
    });
    await until('the worker to stop the run', async () =>
      (await row(running)).log.includes('cancelled while training'),
    );
    const after = await gql<{ run: { status: string; epochs: unknown[]; artifacts: unknown[] } }>(
      `query($id: ID!) { run(id: $id) { status epochs { epoch } artifacts { name } } }`,
      { id: running },
    );
    expect(after.data!.run).toEqual({ status: 'cancelled', epochs: [], artifacts: [] });
    // A cancelled run cannot be cancelled again; the worker is free for the next run.
    expect((await gql(CANCEL, { id: running })).errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    const next = await start({ mode: 'feature-extraction', epochs: 1 });
    await until('the next run', async () => (await row(next)).status === 'succeeded');
  }, 120_000);

  it('replaces tags (trimmed, deduplicated) and lists runs by tag', async () => {
    const id = (
      await gql<{ runs: { items: { id: string }[] } }>('{ runs(first: 1) { items { id } } }')
    ).data!.runs.items[0]!.id;
    const set = await gql<{ setTags: { tags: string[] } }>(
      `mutation($id: ID!) { setTags(runId: $id, tags: [" best ", "best", "baseline"]) { tags } }`,
      { id },
    );
    expect(set.data!.setTags.tags).toEqual(['best', 'baseline']);
    const tagged = await gql<{ runs: { items: { id: string }[] } }>(
      `{ runs(filter: { tag: "baseline" }) { items { id } } }`,
    );
    expect(tagged.data!.runs.items.map((r) => r.id)).toEqual([id]);
    const tooMany = await gql(
      `mutation($id: ID!, $t: [String!]!) { setTags(runId: $id, tags: $t) { id } }`,
      {
        id,
        t: Array.from({ length: 33 }, (_, i) => `t${i}`),
      },
    );
    expect(tooMany.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('records a run and its job together: when the job cannot be queued, there is no run', async () => {
    const count = async () =>
      Number((await server.database.pool.query('select count(*) from runs')).rows[0].count);
    const before = await count();
    // A real failure of the queue's insert, inside startRun's transaction.
    await server.database.pool.query(
      'alter table pgboss.job add constraint graft_test_no_jobs check (false) not valid',
    );
    try {
      const r = await gql(START, {
        input: { backboneId, datasetId, surgery: {}, train: { mode: 'feature-extraction' } },
      });
      expect(r.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
    } finally {
      await server.database.pool.query('alter table pgboss.job drop constraint graft_test_no_jobs');
    }
    expect(await count()).toBe(before);
  });
});
