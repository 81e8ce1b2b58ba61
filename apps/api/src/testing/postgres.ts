import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Server the Postgres tests create their databases on: `TEST_DATABASE_URL` (a database on it
 * with rights to CREATE DATABASE) or the local server. Tests are the one other reader of the
 * environment, for this variable only.
 */
export const TEST_POSTGRES_ADMIN_URL =
  process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database created for one test file, dropped by {@link TempPostgresDatabase.drop}. */
export interface TempPostgresDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates a uniquely named empty database on {@link TEST_POSTGRES_ADMIN_URL}. */
export async function createTempPostgresDatabase(
  prefix = 'graft_test',
): Promise<TempPostgresDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        // FORCE (Postgres 13+) ends connections a failed test may have left open.
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
