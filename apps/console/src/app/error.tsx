'use client';

export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <main>
      <h1>Something went wrong</h1>
      <p className="error" role="alert">
        {error.message || 'The page could not be loaded.'}
      </p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </main>
  );
}
