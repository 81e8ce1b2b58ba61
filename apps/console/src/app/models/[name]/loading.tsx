export default function Loading() {
  return (
    <main>
      <h1>Model</h1>
      <p className="loading" role="status">
        Loading the model…
      </p>
    </main>
  );
}
