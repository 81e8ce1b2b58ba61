import { NextResponse, type NextRequest } from 'next/server';
import { KEY_COOKIE } from '@/lib/config';

/**
 * Signed-out visitors go to /sign-in (with where they were going); the API still checks the
 * key on every request, this only spares them a page of errors.
 */
export function proxy(request: NextRequest) {
  if (request.cookies.has(KEY_COOKIE)) return NextResponse.next();
  const url = request.nextUrl.clone();
  url.pathname = '/sign-in';
  url.search = `?next=${encodeURIComponent(request.nextUrl.pathname + request.nextUrl.search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  // Everything but the sign-in page, the API routes and Next's own assets.
  matcher: ['/((?!sign-in|api/|_next/|favicon.ico).*)'],
};
