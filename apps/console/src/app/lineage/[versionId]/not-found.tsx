import Link from 'next/link';

export default function LineageNotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <div className="empty" data-testid="not-found" data-resource="version">
        <p>There is no model version with this id, so there is no lineage to draw.</p>
        <p>
          Open a model from the <Link href="/models">models page</Link> and follow a version’s{' '}
          <strong>Lineage</strong> link.
        </p>
      </div>
    </main>
  );
}
