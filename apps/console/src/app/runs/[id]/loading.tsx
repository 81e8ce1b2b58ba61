export default function RunLoading() {
  return (
    <main>
      <p className="loading" role="status" data-testid="run-loading">
        Loading the run…
      </p>
    </main>
  );
}
