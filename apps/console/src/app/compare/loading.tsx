export default function Loading() {
  return (
    <main>
      <h1>Compare runs</h1>
      <p className="loading" role="status">
        Loading the comparison…
      </p>
    </main>
  );
}
