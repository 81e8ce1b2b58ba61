export default function Loading() {
  return (
    <main>
      <h1>Datasets</h1>
      <p className="loading" role="status">
        Loading datasets…
      </p>
    </main>
  );
}
