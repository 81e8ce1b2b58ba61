import Link from 'next/link';

export default function ModelNotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <div className="empty" data-testid="not-found" data-resource="model">
        <p>No model is registered under this name.</p>
        <p>
          The <Link href="/models">models page</Link> lists the registered ones; a model appears
          there once a run is registered as its first version (from the run’s page).
        </p>
      </div>
    </main>
  );
}
