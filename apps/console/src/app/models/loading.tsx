export default function Loading() {
  return (
    <main>
      <h1>Models</h1>
      <p className="loading" role="status">
        Loading models…
      </p>
    </main>
  );
}
