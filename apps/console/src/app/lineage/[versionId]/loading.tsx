export default function Loading() {
  return (
    <main>
      <h1>Lineage</h1>
      <p className="loading" role="status">
        Loading the lineage…
      </p>
    </main>
  );
}
