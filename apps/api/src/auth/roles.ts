import type { AuthChecker } from 'type-graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors/index.js';

/** Roles in increasing power: each one may do everything the ones before it may. */
export const ROLES = ['viewer', 'editor', 'maintainer'] as const;
export type Role = (typeof ROLES)[number];

/** Who sent the request: the API key it authenticated with. */
export interface AuthIdentity {
  keyId: string;
  /** The key's display name (`maintainer`, `ci`, ...). */
  name: string;
  role: Role;
}

/** What role checks read from a GraphQL context; `null` means no API key came with the request. */
export interface AuthCarrier {
  auth: AuthIdentity | null;
}

/** Whether `role` is `required` or more powerful. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/**
 * Throws unless the request's key has at least `required`: `UNAUTHENTICATED` without a key,
 * `FORBIDDEN` with a weaker one. For decisions that depend on arguments, which `@Authorized`
 * cannot see (promoting to `production` needs `maintainer`).
 * @returns the identity, for recording who did it.
 */
export function requireRole(ctx: AuthCarrier, required: Role): AuthIdentity {
  if (!ctx.auth) throw new UnauthenticatedError();
  if (!roleAtLeast(ctx.auth.role, required)) {
    throw new ForbiddenError(
      `this operation needs the '${required}' role; your API key '${ctx.auth.name}' is '${ctx.auth.role}'`,
    );
  }
  return ctx.auth;
}

/**
 * type-graphql's checker behind `@Authorized(...)`: `@Authorized('editor')` means "at least
 * editor"; `@Authorized()` any valid key. Several roles mean the weakest of them. It throws our
 * coded errors itself rather than returning false, so clients get UNAUTHENTICATED vs FORBIDDEN.
 */
export const authChecker: AuthChecker<AuthCarrier, Role> = ({ context }, roles) => {
  const weakest = roles.reduce<Role>(
    (min, role) => (ROLES.indexOf(role) < ROLES.indexOf(min) ? role : min),
    'maintainer',
  );
  requireRole(context, roles.length === 0 ? 'viewer' : weakest);
  return true;
};
