import { backboneCatalog, loadBackbone } from '@graft/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { ensureCatalogBackbones } from '../services/backbone.service.js';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../testing/postgres.js';
import { maintainerAuthorization } from '../testing/authHeader.js';
import { createTempDir } from '../testing/tempDir.js';

// The database-facing part of backbone-dataset.resolver.test.ts, on the real Postgres.
let dir: { path: string; remove(): Promise<void> };
let pgDb: TempPostgresDatabase;
let server: GraftServer;

type GqlResult<T> = { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
async function gql<T>(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: maintainerAuthorization(dir.path),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

beforeAll(async () => {
  dir = await createTempDir();
  pgDb = await createTempPostgresDatabase();
  server = await createServer({
    worker: false,
    config: loadConfig({
      PORT: '0',
      GRAFT_DATA_DIR: dir.path,
      LOG_LEVEL: 'silent',
      DATABASE_URL: pgDb.url,
    }),
  });
  await ensureCatalogBackbones(server);
  await server.listen();
}, 120_000);

afterAll(async () => {
  await server?.close();
  await pgDb?.drop();
  await dir?.remove();
});

it('registers the catalog backbones once, with core’s fingerprints and layer tables', async () => {
  expect(await ensureCatalogBackbones(server)).toEqual([]);
  const r = await gql<{
    backbones: { id: string; name: string; weightsSha256: string; layers: { name: string }[] }[];
  }>('{ backbones { id name weightsSha256 layers { name } } }');
  expect(r.errors).toBeUndefined();
  const pretrained = backboneCatalog.filter((e) => e.pretrained).map((e) => e.id);
  expect(r.data!.backbones.map((b) => b.name).sort()).toEqual([...pretrained].sort());
  for (const b of r.data!.backbones) {
    const core = await loadBackbone({ source: b.name });
    expect(b.weightsSha256).toBe(core.fingerprint.weightsSha256);
    expect(b.layers.map((l) => l.name)).toEqual(core.layerNames);
  }
});

it('creates an MNIST digits dataset; one class → BAD_USER_INPUT; same name → CONFLICT', async () => {
  const CREATE = `mutation($input: CreateDatasetInput!) { createDataset(input: $input) {
    classes counts { total perClass { className count } } } }`;
  const ok = await gql(CREATE, {
    input: { name: 'digits 5-9', builtin: { mnistDigits: [5, 6, 7, 8, 9], limit: 50 } },
  });
  expect(ok.errors).toBeUndefined();
  expect(ok.data).toMatchObject({
    createDataset: { classes: ['5', '6', '7', '8', '9'], counts: { total: 50 } },
  });
  const one = await gql(CREATE, { input: { name: 'one', builtin: { mnistDigits: [4] } } });
  expect(one.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const dup = await gql(CREATE, {
    input: { name: 'digits 5-9', builtin: { mnistDigits: [1, 2] } },
  });
  expect(dup.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  // Server-side folders are for embedded mode only.
  const folder = await gql(CREATE, { input: { name: 'pets', folder: { path: dir.path } } });
  expect(folder.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(folder.errors?.[0]?.message).toMatch(/embedded mode/);
});
