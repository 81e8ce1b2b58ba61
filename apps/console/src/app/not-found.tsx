import { headers } from 'next/headers';
import Link from 'next/link';
import { MISSING_HEADER } from '@/lib/missing';
import LineageNotFound from './lineage/[versionId]/not-found';
import ModelNotFound from './models/[name]/not-found';
import RunNotFound from './runs/[id]/not-found';

/**
 * Any path no route matches (HTTP 404), including the one the proxy rewrites a missing run,
 * model or version to: then it says what is missing, as that page's own not-found does.
 */
export default async function NotFound() {
  const missing = (await headers()).get(MISSING_HEADER);
  if (missing === 'run') return <RunNotFound />;
  if (missing === 'model') return <ModelNotFound />;
  if (missing === 'version') return <LineageNotFound />;
  return (
    <main>
      <h1>Not found</h1>
      <p className="muted">
        Nothing here. Go to the <Link href="/runs">runs</Link> or the{' '}
        <Link href="/models">models</Link>.
      </p>
    </main>
  );
}
