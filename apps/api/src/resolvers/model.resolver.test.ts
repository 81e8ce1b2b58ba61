import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backbones, datasets, runs } from '../db/schema.js';
import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from '../testing/authHeader.js';
import { createTempDir } from '../testing/tempDir.js';

let dir: { path: string; remove(): Promise<void> };
let server: GraftServer;
let backboneId: string;
let datasetId: string;

type GqlError = { message: string; extensions?: Record<string, unknown> };
async function gql<T = Record<string, unknown>>(
  query: string,
  variables: Record<string, unknown> = {},
) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: maintainerAuthorization(dir.path),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: T; errors?: GqlError[] };
}

async function succeededRun(parentVersionId?: string): Promise<string> {
  const [run] = await server.db
    .insert(runs)
    .values({
      backboneId,
      datasetId,
      mode: 'feature-extraction',
      status: 'succeeded',
      testAccuracy: 0.97,
      surgery: { request: { head: { classes: ['a', 'b'] } } },
      train: { mode: 'feature-extraction', learningRate: 0.001 },
      ...(parentVersionId ? { parentVersionId } : {}),
    })
    .returning();
  return run!.id;
}

beforeAll(async () => {
  dir = await createTempDir();
  server = await createServer({
    config: loadConfig({ PORT: '0', GRAFT_DATA_DIR: dir.path, LOG_LEVEL: 'silent' }),
    worker: false,
  });
  await server.listen();
  const [bb] = await server.db
    .insert(backbones)
    .values({
      name: 'bb-test',
      family: 'custom',
      sourceUri: '/nowhere',
      topologySha256: 't'.repeat(64),
      weightsSha256: 'w'.repeat(64),
      inputShape: [28, 28, 1],
      preprocessing: { scale: 1 / 255, offset: 0, channels: 1 },
      layers: [],
      lastFeatureLayer: 'flatten',
    })
    .returning();
  backboneId = bb!.id;
  const [ds] = await server.db
    .insert(datasets)
    .values({
      name: 'ab',
      classes: ['a', 'b'],
      counts: { train: 1, validation: 1, test: 1 },
      contentHash: 'h'.repeat(64),
      source: { kind: 'builtin', name: 'mnist-digits' },
    })
    .returning();
  datasetId = ds!.id;
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

const CREATE = `mutation($runId: ID!, $name: String!) { createModelVersion(runId: $runId, modelName: $name) { id version aliases } }`;
const PROMOTE = `mutation($v: ID!, $a: String!, $r: String!) { promoteModelVersion(versionId: $v, alias: $a, reason: $r) { id aliases } }`;

describe('model registry', () => {
  it('versions runs, moves aliases with an audit trail, archives, and traces lineage', async () => {
    const r1 = await succeededRun();
    const v1 = (
      await gql<{ createModelVersion: { id: string; version: number } }>(CREATE, {
        runId: r1,
        name: 'digits',
      })
    ).data!.createModelVersion;
    expect(v1.version).toBe(1);
    // A run never yields two versions.
    const again = await gql(CREATE, { runId: r1, name: 'digits' });
    expect(again.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    const r2 = await succeededRun(v1.id);
    const v2 = (
      await gql<{ createModelVersion: { id: string; version: number } }>(CREATE, {
        runId: r2,
        name: 'digits',
      })
    ).data!.createModelVersion;
    expect(v2.version).toBe(2);

    expect(
      (await gql(PROMOTE, { v: v1.id, a: 'production', r: 'first good model' })).errors,
    ).toBeUndefined();
    expect(
      (await gql(PROMOTE, { v: v2.id, a: 'production', r: 'fine-tuned, +2% accuracy' })).errors,
    ).toBeUndefined();
    const model = await gql<{
      model: {
        versions: { version: number; aliases: string[] }[];
        aliasHistory: {
          alias: string;
          fromVersion: string | null;
          toVersion: string;
          reason: string;
        }[];
      };
    }>(
      `{ model(name: "digits") { versions { version aliases } aliasHistory { alias fromVersion toVersion reason } } }`,
    );
    expect(model.data!.model.versions).toEqual([
      { version: 2, aliases: ['production'] },
      { version: 1, aliases: [] },
    ]);
    expect(model.data!.model.aliasHistory).toEqual([
      {
        alias: 'production',
        fromVersion: v1.id,
        toVersion: v2.id,
        reason: 'fine-tuned, +2% accuracy',
      },
      { alias: 'production', fromVersion: null, toVersion: v1.id, reason: 'first good model' },
    ]);

    const lineage = await gql<{
      lineage: {
        backbone: { weightsSha256: string };
        parent: { id: string } | null;
        children: { id: string }[];
      };
    }>(`query($v: ID!) { lineage(versionId: $v) { backbone parent { id } children { id } } }`, {
      v: v1.id,
    });
    expect(lineage.data!.lineage.backbone.weightsSha256).toBe('w'.repeat(64));
    expect(lineage.data!.lineage.children.map((c) => c.id)).toEqual([v2.id]);

    const archived = await gql<{ archiveModelVersion: { aliases: string[] } }>(
      `mutation($v: ID!) { archiveModelVersion(versionId: $v) { aliases } }`,
      { v: v2.id },
    );
    expect(archived.data!.archiveModelVersion.aliases).toEqual([]);
    // Roles: a viewer cannot promote; an editor can move staging but not production.
    const { createApiKey } = await import('../auth/index.js');
    const as = async (
      role: 'viewer' | 'editor',
      query: string,
      variables: Record<string, unknown>,
    ) => {
      const { key } = await createApiKey(server.db, { name: role, role });
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      return (
        ((await res.json()) as { errors?: GqlError[] }).errors?.[0]?.extensions?.['code'] ?? 'OK'
      );
    };
    expect(await as('viewer', PROMOTE, { v: v1.id, a: 'staging', r: 'x' })).toBe('FORBIDDEN');
    expect(await as('editor', PROMOTE, { v: v1.id, a: 'production', r: 'x' })).toBe('FORBIDDEN');
    expect(await as('editor', PROMOTE, { v: v1.id, a: 'staging', r: 'candidate' })).toBe('OK');
    const anonymous = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ models { id } }' }),
    });
    expect(
      ((await anonymous.json()) as { errors: GqlError[] }).errors[0]!.extensions!['code'],
    ).toBe('UNAUTHENTICATED');

    const refused = await gql(PROMOTE, { v: v2.id, a: 'staging', r: 'try' });
    expect(refused.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
  });

  it('refuses bad input with codes', async () => {
    const [failed] = await server.db
      .insert(runs)
      .values({
        backboneId,
        datasetId,
        mode: 'feature-extraction',
        status: 'failed',
        surgery: { request: { head: { classes: ['a', 'b'] } } },
        train: { mode: 'feature-extraction' },
      })
      .returning();
    expect(
      (await gql(CREATE, { runId: failed!.id, name: 'm' })).errors?.[0]?.extensions?.['code'],
    ).toBe('BAD_USER_INPUT');
    expect(
      (await gql(CREATE, { runId: '00000000-0000-0000-0000-000000000000', name: 'm' })).errors?.[0]
        ?.extensions?.['code'],
    ).toBe('NOT_FOUND');
    const r = await succeededRun();
    expect(
      (await gql(CREATE, { runId: r, name: 'bad name!' })).errors?.[0]?.extensions?.['code'],
    ).toBe('BAD_USER_INPUT');
    const v = (await gql<{ createModelVersion: { id: string } }>(CREATE, { runId: r, name: 'm2' }))
      .data!.createModelVersion;
    expect(
      (await gql(PROMOTE, { v: v.id, a: 'Prod Uction', r: 'x' })).errors?.[0]?.extensions?.['code'],
    ).toBe('BAD_USER_INPUT');
    expect(
      (await gql(PROMOTE, { v: v.id, a: 'staging', r: ' ' })).errors?.[0]?.extensions?.['code'],
    ).toBe('BAD_USER_INPUT');
    expect((await gql(`{ model(name: "nope") { id } }`)).errors?.[0]?.extensions?.['code']).toBe(
      'NOT_FOUND',
    );
    await server.db.delete(runs).where(eq(runs.id, failed!.id));
  });
});
