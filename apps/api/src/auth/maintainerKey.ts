import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { apiKeys } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { createApiKey } from './apiKeys.js';

/** File, in the data folder, the first maintainer key is written to. */
export const MAINTAINER_KEY_FILE = 'maintainer.key';

/** Any fixed number: serialises first starts of API replicas sharing one database. */
const FIRST_KEY_LOCK = 0x6b657973; // "keys"

/**
 * On the very first start (no API key at all in the database) creates a maintainer key, writes
 * it to `<dataDir>/maintainer.key` (mode 0600) and logs it once. Later starts do nothing, even if
 * the file was deleted: the plaintext is not kept anywhere else.
 * @returns the file path when a key was created, `null` otherwise.
 */
export async function ensureMaintainerKey(
  db: Db,
  dataDir: string,
  logger?: Logger,
): Promise<string | null> {
  const file = path.join(dataDir, MAINTAINER_KEY_FILE);
  const created = await db.transaction(async (tx) => {
    // Two replicas starting together on an empty database must not both create a key.
    await tx.execute(sql`select pg_advisory_xact_lock(${FIRST_KEY_LOCK})`);
    const [any] = await tx.select({ id: apiKeys.id }).from(apiKeys).limit(1);
    if (any) return null;
    const key = await createApiKey(tx, { name: 'maintainer', role: 'maintainer' });
    // Written before commit: if writing fails, no key exists that nobody knows.
    await writeSecretFile(file, key.key + '\n');
    return key;
  });
  if (!created) return null;
  logger?.warn('created the first maintainer API key; it is shown only this once', {
    apiKey: created.key,
    file,
    hint: 'send it as `Authorization: Bearer <key>`',
  });
  return file;
}

/** Writes `content` readable by the owner only, atomically (a temp file renamed over `file`). */
async function writeSecretFile(file: string, content: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, content, { mode: 0o600, flag: 'w' });
    // The mode above applies only when the file is created, and is masked by the umask.
    await chmod(temp, 0o600);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
