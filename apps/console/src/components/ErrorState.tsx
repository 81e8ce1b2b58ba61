'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { startTransition } from 'react';
import { explainError } from '@/lib/explainError';

/**
 * The body of a route's `error.tsx`: what failed (`what`), why in the user's terms (from the
 * error's digest: the API unreachable, a role that may not see it, ...), what to do, a retry that
 * re-renders the server part too, and a way back.
 */
export function ErrorState({
  error,
  reset,
  what,
  back,
}: {
  error: Error & { digest?: string };
  reset: () => void;
  /** The page's subject, e.g. "This run". */
  what: string;
  back?: { href: string; label: string };
}) {
  const router = useRouter();
  const ex = explainError(error);
  // A server component error is only retried by fetching the page again: refresh, then reset
  // the boundary in the same transition.
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  return (
    <main>
      <h1>{what} could not be loaded</h1>
      <div className="empty" role="alert" data-testid="error-state" data-code={ex.code ?? ''}>
        <p className="error" data-testid="error-title">
          {ex.title}.
        </p>
        <p data-testid="error-hint">{ex.hint}</p>
        {!ex.code && !error.digest && error.message ? (
          // Thrown in the browser: the message is the real one.
          <p className="muted mono">{error.message}</p>
        ) : null}
        {error.digest && !ex.code ? (
          <p className="muted">
            Reference for the console’s log: <code>{error.digest}</code>
          </p>
        ) : null}
        <p>
          <button type="button" onClick={retry}>
            Try again
          </button>
          {back ? (
            <>
              {' '}
              or go back to <Link href={back.href}>{back.label}</Link>.
            </>
          ) : null}
        </p>
      </div>
    </main>
  );
}

/**
 * A route's `error.tsx` component for {@link ErrorState}: each route names its subject and a way
 * back, and Next needs one default export per route.
 */
export function routeError(what: string, back?: { href: string; label: string }) {
  return function RouteError({
    error,
    reset,
  }: {
    error: Error & { digest?: string };
    reset: () => void;
  }) {
    return <ErrorState error={error} reset={reset} what={what} {...(back ? { back } : {})} />;
  };
}
