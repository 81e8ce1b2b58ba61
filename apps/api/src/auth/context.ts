import type { Db } from '../db/index.js';
import { UnauthenticatedError } from '../errors/index.js';
import { authenticate, parseBearer } from './apiKeys.js';
import type { AuthIdentity } from './roles.js';

/**
 * The identity of a request from its `Authorization` header (HTTP) or the `authorization`
 * connection parameter (graphql-ws): `null` without one. A credential that is present but
 * invalid, revoked or not a bearer token is refused outright (UNAUTHENTICATED, HTTP 401) rather
 * than treated as anonymous, so that a typo never silently downgrades a client.
 */
export async function identify(db: Db, authorization: unknown): Promise<AuthIdentity | null> {
  if (authorization !== undefined && authorization !== null && typeof authorization !== 'string') {
    throw invalidCredential('the authorization parameter must be a string');
  }
  const key = parseBearer(authorization);
  if (key === undefined) return null;
  if (key === null) throw invalidCredential('send the API key as `Authorization: Bearer <key>`');
  const identity = await authenticate(db, key);
  if (!identity) throw invalidCredential('the API key is invalid or revoked');
  return identity;
}

function invalidCredential(message: string): UnauthenticatedError {
  const error = new UnauthenticatedError(message);
  // Apollo answers errors thrown while building the context with this status (default 500).
  error.extensions['http'] = { status: 401 };
  return error;
}

/**
 * Authentication of graphql-ws connections: `onConnect` checks the `authorization` connection
 * parameter once per connection (an invalid key closes it with 4403 Forbidden) and `authOf`
 * gives each subscription's context the identity found.
 */
export function graphqlWsAuth(db: Db): {
  onConnect(ctx: {
    connectionParams?: Readonly<Record<string, unknown>> | undefined;
  }): Promise<boolean>;
  authOf(ctx: object): AuthIdentity | null;
} {
  const identities = new WeakMap<object, AuthIdentity | null>();
  return {
    async onConnect(ctx) {
      try {
        identities.set(ctx, await identify(db, ctx.connectionParams?.['authorization']));
        return true;
      } catch {
        return false;
      }
    },
    authOf: (ctx) => identities.get(ctx) ?? null,
  };
}
