import { expect } from 'vitest';
import { loadConfig } from '../env.js';
import { createTempPostgresDatabase } from '../testing/postgres.js';
import { createTempDir } from '../testing/tempDir.js';
import { registryFlowSuite } from './flow.js';

// A temp Postgres database, the embedded S3 server, and a worker child forked by the API
// (given DATABASE_URL and the store's S3_* connection).
registryFlowSuite('Postgres + embedded S3 + forked worker', async () => {
  const db = await createTempPostgresDatabase('graft_e2e_flow');
  const dir = await createTempDir();
  const config = loadConfig({
    DATABASE_URL: db.url,
    GRAFT_DATA_DIR: dir.path,
    PORT: '0',
    LOG_LEVEL: 'silent',
    GRAFT_QUEUE_POLL_SECONDS: '1',
  });
  expect(config.database.kind).toBe('postgres');
  expect(config.storage.kind).toBe('embedded');
  return {
    config,
    worker: true,
    cleanup: async () => {
      await db.drop();
      await dir.remove();
    },
  };
});
