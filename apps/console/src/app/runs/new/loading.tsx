export default function Loading() {
  return (
    <main>
      <h1>New run</h1>
      <p className="loading" role="status">
        Loading backbones and datasets…
      </p>
    </main>
  );
}
