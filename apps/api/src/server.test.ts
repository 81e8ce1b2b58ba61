import { existsSync } from 'node:fs';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from './env.js';
import { createServer, type GraftServer } from './server.js';
import { startEmbeddedS3, type EmbeddedS3 } from './storage/index.js';
import { createTempDir } from './testing/tempDir.js';

/** Counts of libuv handles and requests keeping the process alive, by type. */
function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo())
    counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

describe('createServer (embedded mode: PGlite + in-process S3)', () => {
  let dir: { path: string; remove(): Promise<void> };
  let server: GraftServer;
  let before: Map<string, number>;

  beforeAll(async () => {
    dir = await createTempDir();
    before = activeResources();
    server = await createServer({
      config: loadConfig({ PORT: '0', GRAFT_DATA_DIR: dir.path, LOG_LEVEL: 'silent' }),
    });
  });
  afterAll(async () => {
    await server?.close();
    await dir?.remove();
  });

  it('listens on an ephemeral port', async () => {
    expect(() => server.url).toThrow(/not listening/);
    const url = await server.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).toBe(url);
    expect(server.database.kind).toBe('pglite');
    expect(server.config.storage.kind).toBe('embedded');
  });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', storage: 'ok', queue: 'ok' },
    });
  });

  it('serves GraphQL over HTTP', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health }' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { health: 'ok' } });
  });

  it('blocks simple (CSRF-prone) GET requests', async () => {
    const response = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ health }')}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it('serves GraphQL over WebSocket (graphql-ws) on the same path', async () => {
    const client = createClient({
      url: `${server.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const results = [];
      for await (const result of client.iterate({ query: '{ health }' })) results.push(result);
      expect(results).toEqual([{ data: { health: 'ok' } }]);
    } finally {
      await client.dispose();
    }
  });

  it('close() releases every handle and the data folder', async () => {
    await server.close();
    await server.close(); // idempotent
    expect(existsSync(`${dir.path}/db.lock`)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    const after = activeResources();
    const leaked = [...after].filter(([type, count]) => count > (before.get(type) ?? 0));
    expect(leaked).toEqual([]);
  });
});

describe('/readyz with an object store that goes down', () => {
  let dir: { path: string; remove(): Promise<void> };
  let s3: EmbeddedS3 | undefined;
  let s3Port: number;
  let server: GraftServer;

  // An S3 server apart from the API, as MinIO is in production: the API reaches it at
  // S3_ENDPOINT, and the test stops it and starts it again on the same port.
  const startS3 = async (port: number) =>
    (s3 = await startEmbeddedS3({ directory: `${dir.path}/s3-server`, port }));

  beforeAll(async () => {
    dir = await createTempDir();
    const first = await startS3(0);
    s3Port = Number(new URL(first.endpoint).port);
    server = await createServer({
      config: loadConfig({
        PORT: '0',
        GRAFT_DATA_DIR: dir.path,
        LOG_LEVEL: 'silent',
        S3_ENDPOINT: first.endpoint,
        S3_ACCESS_KEY: first.accessKey,
        S3_SECRET_KEY: first.secretKey,
      }),
      worker: false,
    });
    await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    await s3?.close();
    await dir?.remove();
  });

  it('answers 503 naming the storage check while S3 is down, 200 once it is back', async () => {
    expect(server.config.storage.kind).toBe('s3');
    const up = await fetch(`${server.url}/readyz`);
    expect(up.status).toBe(200);

    await s3!.close();
    s3 = undefined;
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', storage: 'failed', queue: 'ok' },
    });
    // /healthz only says the process answers.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    await startS3(s3Port);
    const back = await fetch(`${server.url}/readyz`);
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ checks: { storage: 'ok' } });
  });
});
