export default function Loading() {
  return (
    <main>
      <p className="loading" role="status">
        Loading…
      </p>
    </main>
  );
}
