'use server';

import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { graphql } from '@/gql';
import { API_URL, KEY_COOKIE } from './config';
import { ApiError, postGraphQL, UNREACHABLE } from './graphqlClient';

const ME = graphql(`
  query SignInMe {
    me {
      name
      role
    }
  }
`);

export interface SignInState {
  error?: string;
}

/** Checks the key against the API (`me`), then keeps it in an httpOnly cookie. */
export async function signIn(_prev: SignInState, form: FormData): Promise<SignInState> {
  const key = String(form.get('key') ?? '').trim();
  const next = String(form.get('next') ?? '/runs');
  if (!key) return { error: 'Paste an API key (the server printed one at its first start).' };
  try {
    await postGraphQL(`${API_URL}/graphql`, ME, {}, { authorization: `Bearer ${key}` });
  } catch (err) {
    if (err instanceof ApiError && err.code === 'UNAUTHENTICATED')
      return { error: 'The API does not know this key.' };
    if (err instanceof ApiError && err.code === UNREACHABLE)
      return {
        error: `Cannot reach the Graft API at ${API_URL}. Start it (“npm start” starts it beside the console) or point GRAFT_API_URL at it, then sign in again.`,
      };
    return { error: `The API at ${API_URL} failed to check the key: ${(err as Error).message}` };
  }
  (await cookies()).set(KEY_COOKIE, key, {
    httpOnly: true,
    sameSite: 'lax',
    secure: process.env.GRAFT_SECURE_COOKIES === '1',
    path: '/',
    maxAge: 30 * 24 * 3600,
  });
  redirect(next.startsWith('/') && !next.startsWith('//') ? next : '/runs');
}

export async function signOut(): Promise<void> {
  (await cookies()).delete(KEY_COOKIE);
  redirect('/sign-in');
}
