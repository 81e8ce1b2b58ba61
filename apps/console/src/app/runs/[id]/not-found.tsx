import Link from 'next/link';

export default function RunNotFound() {
  return (
    <main>
      <h1>Not found</h1>
      <div className="empty" data-testid="not-found" data-resource="run">
        <p>There is no run with this id.</p>
        <p>
          Find it in the <Link href="/runs">runs table</Link>, or start one from{' '}
          <Link href="/runs/new">New run</Link>.
        </p>
      </div>
    </main>
  );
}
