import { stat, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/index.js';
import { apiKeys } from '../db/schema.js';
import { createTempPostgresDatabase } from '../testing/postgres.js';
import { createTempDir } from '../testing/tempDir.js';
import {
  authenticate,
  createApiKey,
  ensureMaintainerKey,
  hashApiKey,
  MAINTAINER_KEY_FILE,
  parseBearer,
  revokeApiKey,
} from './index.js';

function apiKeySuite(open: () => Promise<{ database: Database; cleanup(): Promise<void> }>) {
  let database: Database;
  let cleanup: () => Promise<void>;
  let dir: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    ({ database, cleanup } = await open());
    dir = await createTempDir('graft-keys-');
  });
  afterAll(async () => {
    await database?.close();
    await cleanup?.();
    await dir?.remove();
  });

  it('creates the maintainer key on first start only, in a 0600 file', async () => {
    // Two replicas starting at once on the empty database: one key.
    const [a, b] = await Promise.all([
      ensureMaintainerKey(database.db, dir.path),
      ensureMaintainerKey(database.db, dir.path),
    ]);
    const file = path.join(dir.path, MAINTAINER_KEY_FILE);
    expect([a, b].filter(Boolean)).toEqual([file]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const key = (await readFile(file, 'utf8')).trim();
    expect(await authenticate(database.db, key)).toMatchObject({
      name: 'maintainer',
      role: 'maintainer',
    });

    expect(await ensureMaintainerKey(database.db, dir.path)).toBeNull();
    expect((await readFile(file, 'utf8')).trim()).toBe(key);
    expect(await database.db.select().from(apiKeys)).toHaveLength(1);
  });

  it('stores only a hash and a short prefix', async () => {
    const created = await createApiKey(database.db, { name: 'ci', role: 'editor' });
    expect(created.key).toMatch(/^graft_[A-Za-z0-9_-]{43}$/);
    expect(created.keyPrefix).toBe(created.key.slice(0, 12));
    const { rows } = await database.pool.query('select * from api_keys where id = $1', [
      created.id,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).toBe(hashApiKey(created.key));
    expect(JSON.stringify(rows[0])).not.toContain(created.key);
  });

  it('authenticates valid keys and refuses unknown, malformed and revoked ones', async () => {
    const created = await createApiKey(database.db, { name: 'alice', role: 'viewer' });
    expect(await authenticate(database.db, created.key)).toEqual({
      keyId: created.id,
      name: 'alice',
      role: 'viewer',
    });
    expect(await authenticate(database.db, created.key + 'x')).toBeNull();
    expect(await authenticate(database.db, 'not-a-key')).toBeNull();
    expect(await revokeApiKey(database.db, created.id)).toBe(true);
    expect(await authenticate(database.db, created.key)).toBeNull();
  });
}

describe('API keys on PGlite', () => {
  apiKeySuite(async () => {
    const dir = await createTempDir();
    const database = await createDatabase({
      kind: 'pglite',
      dataDir: `${dir.path}/db`,
      socketPort: 0,
      poolMax: 4,
    });
    return { database, cleanup: dir.remove };
  });
});

describe('API keys on Postgres', () => {
  apiKeySuite(async () => {
    const temp = await createTempPostgresDatabase('graft_test_keys');
    const database = await createDatabase({ kind: 'postgres', url: temp.url, poolMax: 4 });
    return { database, cleanup: temp.drop };
  });
});

describe('parseBearer', () => {
  it('reads `Bearer <key>` and tells a missing header from a malformed one', () => {
    expect(parseBearer('Bearer graft_abc')).toBe('graft_abc');
    expect(parseBearer('bearer   graft_abc ')).toBe('graft_abc');
    expect(parseBearer(undefined)).toBeUndefined();
    expect(parseBearer('')).toBeUndefined();
    expect(parseBearer('Basic dXNlcjpwYXNz')).toBeNull();
    expect(parseBearer('Bearer a b')).toBeNull();
  });
});
