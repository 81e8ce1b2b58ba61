import Link from 'next/link';

export default function NotFound() {
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
