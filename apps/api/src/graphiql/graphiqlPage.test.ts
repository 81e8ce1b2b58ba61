import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlRouter } from './index.js';

let server: http.Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(graphiqlRouter({ endpoint: '/graphql' }));
  app.get('/graphql', (_req, res) => {
    res.json({ from: 'graphql' });
  });
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('GraphiQL', () => {
  it('serves a page for browsers that loads only local assets, each of which is served', async () => {
    const res = await fetch(`${base}/graphql`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('Bearer ');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBe(4);
    for (const ref of refs) {
      expect(ref).toMatch(/^\/graphiql\//);
      const asset = await fetch(base + ref);
      expect(asset.status, ref).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(1000);
    }
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('leaves API clients and other package files alone', async () => {
    const json = await fetch(`${base}/graphql`, { headers: { accept: 'application/json' } });
    expect(await json.json()).toEqual({ from: 'graphql' });
    const get = await fetch(`${base}/graphql?query=%7Bhealth%7D`, {
      headers: { accept: 'text/html' },
    });
    expect(await get.json()).toEqual({ from: 'graphql' });
    expect((await fetch(`${base}/graphiql/graphiql/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/graphiql/react/../../package.json`)).status).toBe(404);
  });
});
