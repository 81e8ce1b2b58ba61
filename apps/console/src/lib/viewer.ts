import { graphql } from '@/gql';
import type { LayoutMeQuery } from '@/gql/graphql';
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
 * The roles a control may require, weakest first. The schema types `Viewer.role` as a String
 * (documented as "viewer, editor or maintainer"), so there is no generated union to import:
 * this list only ranks the role strings, and a role it does not know ranks below all of them.
 */
const RANKED = ['viewer', 'editor', 'maintainer'] as const;
export type RequiredRole = (typeof RANKED)[number];

/**
 * True when `role` may do what `needed` may (viewer < editor < maintainer). An unknown or
 * missing role may do nothing: controls stay hidden, and the API decides anyway.
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
