import { cookies } from 'next/headers';
import { API_URL, KEY_COOKIE } from '@/lib/config';
import { UNREACHABLE } from '@/lib/graphqlClient';

/**
 * The browser's way to the API: client components POST here (same origin, cookie auth) and the
 * request goes on with the signed-in key as `Authorization`. The key never reaches page scripts.
 */
export async function POST(req: Request): Promise<Response> {
  const key = (await cookies()).get(KEY_COOKIE)?.value;
  if (!key)
    return Response.json(
      { errors: [{ message: 'sign in first', extensions: { code: 'UNAUTHENTICATED' } }] },
      { status: 401 },
    );
  if (!(req.headers.get('content-type') ?? '').includes('application/json'))
    return Response.json({ errors: [{ message: 'JSON only' }] }, { status: 415 });
  let res: Response;
  try {
    res = await fetch(`${API_URL}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: await req.text(),
      cache: 'no-store',
    });
  } catch {
    // Coded like the API's own errors, so client components show it as one.
    return Response.json(
      {
        errors: [
          {
            message:
              'The console cannot reach the Graft API: check that it is running and that GRAFT_API_URL points at it.',
            extensions: { code: UNREACHABLE },
          },
        ],
      },
      { status: 502 },
    );
  }
  return new Response(res.body, {
    status: res.status,
    headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' },
  });
}
