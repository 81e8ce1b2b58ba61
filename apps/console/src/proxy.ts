import { NextResponse, type NextRequest } from 'next/server';
import { KEY_COOKIE } from '@/lib/config';
import { MISSING_HEADER, MISSING_PATH, missingResource } from '@/lib/missing';

/**
 * Signed-out visitors go to /sign-in (with where they were going); the API still checks the
 * key on every request, this only spares them a page of errors. A full page load of a run, model
 * or version that does not exist answers 404 (see `@/lib/missing`: one small API query per such
 * load; client-side navigations are not checked and show the same not-found page).
 */
export async function proxy(request: NextRequest) {
  const key = request.cookies.get(KEY_COOKIE)?.value;
  if (!key) {
    const url = request.nextUrl.clone();
    url.pathname = '/sign-in';
    url.search = `?next=${encodeURIComponent(request.nextUrl.pathname + request.nextUrl.search)}`;
    return NextResponse.redirect(url);
  }
  const documentLoad =
    request.method === 'GET' && !request.headers.has('rsc') && !request.headers.has('next-action');
  if (documentLoad) {
    const missing = await missingResource(request.nextUrl.pathname, key);
    if (missing) {
      const url = request.nextUrl.clone();
      url.pathname = MISSING_PATH;
      url.search = '';
      const headers = new Headers(request.headers);
      headers.set(MISSING_HEADER, missing);
      return NextResponse.rewrite(url, { request: { headers } });
    }
  }
  return NextResponse.next();
}

export const config = {
  // Everything but the sign-in page, the API routes and Next's own assets.
  matcher: ['/((?!sign-in|api/|_next/|favicon.ico).*)'],
};
