import { graphql } from '@/gql';
import type { LayoutMeQuery, Role } from '@/gql/graphql';
import { API_URL } from './config';
import { apiKey } from './api';
import { ApiError, postGraphQL } from './graphqlClient';

const ME = graphql(`
  query LayoutMe {
    me {
      name
      role
    }
  }
`);

/** The signed-in key as the API describes it (`me`). */
export type Viewer = LayoutMeQuery['me'];

/**
 * The schema's `Role` enum, weakest first (the API's order: each role may do what the ones
 * before it may). `satisfies` keeps the list in step with the generated union.
 */
const RANKED = ['viewer', 'editor', 'maintainer'] as const satisfies readonly Role[];
export type RequiredRole = Role;

/**
 * True when `role` may do what `needed` may (viewer < editor < maintainer). A missing role (or
 * one a newer API added) may do nothing: controls stay hidden, and the API decides anyway.
 */
export function roleAtLeast(role: string | undefined, needed: RequiredRole): boolean {
  const rank = (RANKED as readonly string[]).indexOf(role ?? '');
  return rank >= 0 && rank >= RANKED.indexOf(needed);
}

/**
 * The signed-in key's name and role, or null when signed out (or the key is unknown). Any other
 * failure (the API unreachable, ...) is thrown as the ApiError it is, for the page's error
 * boundary to explain: a page must not take a down API for a signed-out visitor.
 */
export async function currentViewer(): Promise<Viewer | null> {
  const key = await apiKey();
  if (!key) return null;
  try {
    const { me } = await postGraphQL(
      `${API_URL}/graphql`,
      ME,
      {},
      { authorization: `Bearer ${key}` },
    );
    return me;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') return null;
    throw err;
  }
}
