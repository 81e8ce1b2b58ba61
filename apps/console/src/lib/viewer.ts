import { graphql } from '@/gql';
import { API_URL } from './config';
import { apiKey } from './api';
import { postGraphQL } from './graphqlClient';

const ME = graphql(`
  query LayoutMe {
    me {
      name
      role
    }
  }
`);

export type Role = 'viewer' | 'editor' | 'maintainer';
export interface Viewer {
  name: string;
  role: Role;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, maintainer: 2 };

/** True when `role` may do what `needed` may (viewer < editor < maintainer). */
export function roleAtLeast(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && RANK[role] >= RANK[needed];
}

/** The signed-in key's name and role, or null when signed out (or the key is unknown). */
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
    return { name: me.name, role: me.role as Role };
  } catch {
    return null;
  }
}
