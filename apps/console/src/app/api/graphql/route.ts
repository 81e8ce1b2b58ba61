import { cookies } from 'next/headers';
import { API_URL, KEY_COOKIE } from '@/lib/config';

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
  const res = await fetch(`${API_URL}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: await req.text(),
    cache: 'no-store',
  });
  return new Response(res.body, {
    status: res.status,
    headers: { 'content-type': res.headers.get('content-type') ?? 'application/json' },
  });
}
