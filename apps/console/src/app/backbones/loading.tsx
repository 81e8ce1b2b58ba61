export default function Loading() {
  return (
    <main>
      <h1>Backbones</h1>
      <p className="loading" role="status">
        Loading backbones…
      </p>
    </main>
  );
}
