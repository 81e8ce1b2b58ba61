import { createHash, randomBytes } from 'node:crypto';
import { eq, sql, type Placeholder } from 'drizzle-orm';
import { supportsNamedStatements, type Db } from '../db/index.js';
import { apiKeys } from '../db/schema.js';
import type { AuthIdentity, Role } from './roles.js';

/** Every key starts with this, so that leaked keys are easy to recognise (and to grep for). */
export const API_KEY_PREFIX = 'graft_';
/** Characters of a key kept in clear for display: the prefix and 6 random characters. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

/**
 * The stored form of a key. A fast hash is enough: keys carry 256 random bits, so there is
 * nothing to brute-force (a slow password hash only protects low-entropy secrets), and the
 * hash is looked up through a unique index at every request.
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Arguments of {@link createApiKey}. */
export interface CreateApiKeyArgs {
  /** Display name, e.g. `ci` or `alice`. */
  name: string;
  role: Role;
}

/** A key just created: `key` is the plaintext, returned this once and stored nowhere. */
export interface CreatedApiKey {
  id: string;
  name: string;
  role: Role;
  key: string;
  /** The key's first characters, as listings show it. */
  keyPrefix: string;
}

/** Creates an API key; only its sha256 and a short display prefix are stored. */
export async function createApiKey(
  db: Pick<Db, 'insert'>,
  { name, role }: CreateApiKeyArgs,
): Promise<CreatedApiKey> {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const keyPrefix = key.slice(0, DISPLAY_PREFIX_LENGTH);
  const [row] = await db
    .insert(apiKeys)
    .values({ name, role, keyHash: hashApiKey(key), keyPrefix })
    .returning({ id: apiKeys.id });
  if (!row) throw new Error('inserting the API key returned no row');
  return { id: row.id, name, role, key, keyPrefix };
}

/**
 * The identity of a plaintext key, or `null` for an unknown or revoked key (or something
 * that is not a key at all, refused without a query).
 */
export async function authenticate(db: Db, key: string): Promise<AuthIdentity | null> {
  if (!key.startsWith(API_KEY_PREFIX)) return null;
  const keyHash = hashApiKey(key);
  const [row] = supportsNamedStatements(db)
    ? await lookupStatement(db).execute({ keyHash })
    : await lookupQuery(db, keyHash);
  if (!row || row.revoked) return null;
  return { keyId: row.id, name: row.name, role: row.role };
}

/**
 * The key lookup every authenticated request makes, prepared once per Postgres database (PGlite: a plain query, see `supportsNamedStatements`): drizzle builds
 * its SQL once and Postgres parses it once per connection (a fifth of a small query's cost).
 */
const lookups = new WeakMap<Db, ReturnType<typeof prepareLookup>>();
const lookupQuery = (db: Db, keyHash: string | Placeholder) =>
  db
    .select({ id: apiKeys.id, name: apiKeys.name, role: apiKeys.role, revoked: apiKeys.revoked })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
const prepareLookup = (db: Db) =>
  lookupQuery(db, sql.placeholder('keyHash')).prepare('graft_authenticate');
function lookupStatement(db: Db): ReturnType<typeof prepareLookup> {
  let statement = lookups.get(db);
  if (!statement) lookups.set(db, (statement = prepareLookup(db)));
  return statement;
}

/** Marks a key revoked: it stops authenticating at once; its rows keep their `startedBy`. */
export async function revokeApiKey(db: Db, keyId: string): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revoked: true })
    .where(eq(apiKeys.id, keyId))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/**
 * The key of an `Authorization` header value: `Bearer <key>` (scheme case-insensitive).
 * @returns `undefined` when there is no header, `null` when it is not a bearer credential.
 */
export function parseBearer(header: string | undefined | null): string | null | undefined {
  if (header === undefined || header === null || header.trim() === '') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return match?.[1] ?? null;
}
