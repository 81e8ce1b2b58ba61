/**
 * The role matrix on the real schema and resolvers: every root field, asked with no key and with
 * a viewer, an editor and a maintainer key. A role below the field's is refused (UNAUTHENTICATED
 * without a key, FORBIDDEN with one); a role at or above it gets past authorization (the answer
 * may still be NOT_FOUND or BAD_USER_INPUT: the operations use unknown ids and invalid input, so
 * nothing changes). A root field missing from the matrix fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isObjectType } from 'graphql';
import { wsResult } from '../e2e/flow.js';
import { startTestServer, type TestServer } from '../testing/apiServer.js';
import type { Role } from './index.js';

const ZERO = '00000000-0000-0000-0000-000000000000';
const ROLES: Role[] = ['viewer', 'editor', 'maintainer'];

/** Root field -> least role, and an operation using it. */
const MATRIX: Record<string, [Role, string]> = {
  backbones: ['viewer', '{ backbones { id } }'],
  backbone: ['viewer', `{ backbone(id: "${ZERO}") { id } }`],
  datasets: ['viewer', '{ datasets { id } }'],
  dataset: ['viewer', `{ dataset(id: "${ZERO}") { id } }`],
  runs: ['viewer', '{ runs { items { id } } }'],
  run: ['viewer', `{ run(id: "${ZERO}") { id } }`],
  compareRuns: [
    'viewer',
    `{ compareRuns(ids: ["${ZERO}", "${ZERO.replace(/0$/, '1')}"]) { bestRunId } }`,
  ],
  models: ['viewer', '{ models { id } }'],
  model: ['viewer', '{ model(name: "nope") { id } }'],
  lineage: ['viewer', `{ lineage(versionId: "${ZERO}") { record } }`],
  me: ['viewer', '{ me { name } }'],
  registerBackbone: [
    'editor',
    'mutation { registerBackbone(input: { name: "!!", sourceUri: "x" }) { id } }',
  ],
  createDataset: [
    'editor',
    'mutation { createDataset(input: { name: "one", builtin: { mnistDigits: [1] } }) { id } }',
  ],
  startRun: [
    'editor',
    `mutation { startRun(input: { backboneId: "${ZERO}", datasetId: "${ZERO}", surgery: {}, train: {} }) { id } }`,
  ],
  cancelRun: ['editor', `mutation { cancelRun(id: "${ZERO}") { id } }`],
  setTags: ['editor', `mutation { setTags(runId: "${ZERO}", tags: []) { id } }`],
  createModelVersion: [
    'editor',
    `mutation { createModelVersion(runId: "${ZERO}", modelName: "m") { id } }`,
  ],
  promoteModelVersion: [
    'editor',
    `mutation { promoteModelVersion(versionId: "${ZERO}", alias: "staging", reason: "r") { id } }`,
  ],
  archiveModelVersion: [
    'maintainer',
    `mutation { archiveModelVersion(versionId: "${ZERO}") { id } }`,
  ],
  createApiKey: ['maintainer', 'mutation { createApiKey(name: " ", role: viewer) { id } }'],
  revokeApiKey: ['maintainer', `mutation { revokeApiKey(id: "${ZERO}") }`],
  runProgress: ['viewer', `subscription { runProgress(runId: "${ZERO}") { status } }`],
};
/** Depends on an argument: promotion to production is a maintainer's. */
const PRODUCTION = `mutation { promoteModelVersion(versionId: "${ZERO}", alias: "production", reason: "r") { id } }`;

let api: TestServer;
const keys: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  api = await startTestServer();
  keys.maintainer = api.authorization;
  for (const role of ['viewer', 'editor'] as const) {
    const r = await api.gql<{ createApiKey: { key: string } }>(
      `mutation($name: String!, $role: Role!) { createApiKey(name: $name, role: $role) { key } }`,
      { name: role, role },
    );
    keys[role] = `Bearer ${r.data!.createApiKey.key}`;
  }
});

afterAll(async () => {
  await api?.close();
});

const codeOf = async (query: string, authorization: string | null): Promise<unknown> => {
  const r = query.startsWith('subscription')
    ? await wsResult(api.server.url, authorization ?? '', query)
    : await api.gql(query, {}, authorization);
  return r.errors?.[0]?.extensions?.['code'] ?? 'OK';
};

describe('role matrix (real schema)', () => {
  it('lists every root field of the schema', () => {
    const fields = ['Query', 'Mutation', 'Subscription'].flatMap((name) => {
      const type = api.server.schema.getType(name);
      return type && isObjectType(type) ? Object.keys(type.getFields()) : [];
    });
    expect(fields.filter((f) => f !== 'health').sort()).toEqual(Object.keys(MATRIX).sort());
  });

  it('refuses each field below its role and lets each role at or above it through', async () => {
    const refusedAs = (role: Role | null) => (role ? 'FORBIDDEN' : 'UNAUTHENTICATED');
    const rows: string[] = [];
    for (const [field, [least, query]] of Object.entries(MATRIX)) {
      for (const role of [null, ...ROLES]) {
        const code = await codeOf(query, role ? keys[role]! : null);
        const allowed = role !== null && ROLES.indexOf(role) >= ROLES.indexOf(least);
        const ok = allowed
          ? code !== 'FORBIDDEN' && code !== 'UNAUTHENTICATED'
          : code === refusedAs(role);
        if (!ok) rows.push(`${field} as ${role ?? 'anonymous'}: ${String(code)}`);
      }
    }
    for (const role of ROLES) {
      const code = await codeOf(PRODUCTION, keys[role]!);
      const ok = role === 'maintainer' ? code === 'NOT_FOUND' : code === 'FORBIDDEN';
      if (!ok) rows.push(`promote to production as ${role}: ${String(code)}`);
    }
    expect(rows).toEqual([]);
  });

  it('lets editors upload and refuses viewers', async () => {
    const post = (authorization: string) =>
      fetch(`${api.server.url}/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', authorization },
        body: Buffer.from('bytes'),
      });
    const viewer = await post(keys.viewer!);
    expect(viewer.status).toBe(403);
    expect(await viewer.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect((await post(keys.editor!)).status).toBe(201);
  });
});
