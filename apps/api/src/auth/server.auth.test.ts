import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { apiKeys } from '../db/schema.js';
import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { createTempDir } from '../testing/tempDir.js';
import { MAINTAINER_KEY_FILE } from './index.js';

let dir: { path: string; remove(): Promise<void> };
let server: GraftServer | undefined;
let key: string;

const config = () =>
  loadConfig({
    PORT: '0',
    GRAFT_DATA_DIR: dir.path,
    LOG_LEVEL: 'silent',
    GRAFT_MAX_QUERY_DEPTH: '2',
  });

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server!.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: res.status,
    json: (await res.json()) as {
      data?: Record<string, unknown>;
      errors?: { message: string; extensions?: { code?: string } }[];
    },
  };
}

beforeAll(async () => {
  dir = await createTempDir();
  server = await createServer({ config: config(), worker: false });
  await server.listen();
  key = (await readFile(path.join(dir.path, MAINTAINER_KEY_FILE), 'utf8')).trim();
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

describe('auth and limits of the server', () => {
  it('wrote the first maintainer key to a file only its owner can read', async () => {
    expect(key).toMatch(/^graft_/);
    expect((await stat(path.join(dir.path, MAINTAINER_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('accepts a valid bearer key and refuses an invalid one with 401 UNAUTHENTICATED', async () => {
    const query = JSON.stringify({ query: '{ health }' });
    expect(await post(query)).toMatchObject({ status: 200, json: { data: { health: 'ok' } } });
    expect(await post(query, { authorization: `Bearer ${key}` })).toMatchObject({
      status: 200,
      json: { data: { health: 'ok' } },
    });
    for (const authorization of [`Bearer ${key}x`, `Basic ${key}`]) {
      const refused = await post(query, { authorization });
      expect(refused.status).toBe(401);
      expect(refused.json.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses simple (CSRF-able) requests: a text/plain POST is not executed', async () => {
    const res = await fetch(`${server!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ health }' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/CSRF/i);
  });

  it('applies the configured depth limit', async () => {
    const deep = await post(JSON.stringify({ query: '{ runs { items { id } } }' }), {
      authorization: `Bearer ${key}`,
    });
    expect(deep.status).toBe(400);
    expect(deep.json.errors?.[0]).toMatchObject({
      message: expect.stringContaining('nested 3 levels deep; the limit is 2'),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it('authenticates graphql-ws connections from connectionParams.authorization', async () => {
    const ask = (authorization: string) => {
      const client = createClient({
        url: server!.url.replace('http', 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        connectionParams: { authorization },
        retryAttempts: 0,
      });
      return new Promise<unknown>((resolve, reject) => {
        let result: unknown;
        client.subscribe(
          { query: '{ health }' },
          { next: (r) => (result = r), error: reject, complete: () => resolve(result) },
        );
      }).finally(() => client.dispose());
    };
    expect(await ask(`Bearer ${key}`)).toEqual({ data: { health: 'ok' } });
    await expect(ask('Bearer graft_nope')).rejects.toMatchObject({ code: 4403 });
  });

  it('serves GraphiQL to browsers at /graphql', async () => {
    const res = await fetch(`${server!.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/graphiql/graphiql/graphiql.min.js');
  });

  it('does not create another key on the next start', async () => {
    await server!.close();
    server = await createServer({ config: config(), worker: false });
    expect((await readFile(path.join(dir.path, MAINTAINER_KEY_FILE), 'utf8')).trim()).toBe(key);
    expect(await server.db.select({ id: apiKeys.id }).from(apiKeys)).toHaveLength(1);
  });
});
