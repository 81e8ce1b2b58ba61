import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { API_URL, KEY_COOKIE } from './config';
import { ApiError, postGraphQL } from './graphqlClient';

/** The signed-in API key, from the httpOnly cookie. */
export async function apiKey(): Promise<string | undefined> {
  return (await cookies()).get(KEY_COOKIE)?.value;
}

/**
 * Runs a typed operation against the API with the signed-in key (server components and route
 * handlers). Without a key, or with a key the API no longer knows, it redirects to /sign-in.
 */
export async function gql<TData, TVars>(
  document: TypedDocumentNode<TData, TVars>,
  variables: TVars,
): Promise<TData> {
  const key = await apiKey();
  if (!key) redirect('/sign-in');
  try {
    return await postGraphQL(`${API_URL}/graphql`, document, variables, {
      authorization: `Bearer ${key}`,
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED') redirect('/sign-in?expired=1');
    throw err;
  }
}
